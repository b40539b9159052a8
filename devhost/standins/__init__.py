"""The outside services, stood in for locally over real loopback HTTP in their documented wire formats.

The dev host embeds each one that is not configured (`devhost.emulators`); tests and the demo steer them. They never
ship (`.funcignore`), and they are never kinder than the real service: a behaviour no source documents stays behind
a switch that is off by default.

- server.py: `StandInServer`, the one loopback HTTP server under each of them (start/stop, base URL, capped bodies,
  request recording, the `/_standin/`-style control endpoints, JSON replies); its docstring says how to add one.
- cpp/: the Cloud Partner Portal emulator (`python -m devhost.standins.cpp --port 8081` runs it alone).
- ingestion/: the Product Ingestion API's configure jobs (added through `add_job` or `POST /_standin/jobs`).
- submission/: the Partner Center submission API's products and submissions (Azure Application offers), with its
  recorded quirks (relative next links, errors as a string holding JSON, 429 without Retry-After) and switches.
- slack/: Slack's Web API and `response_url`s, and the client that sends signed Slack requests to the app.
- teams/: Teams' Bot Connector (OpenID metadata, RS256 keys, the conversation API) and the signed activities it
  sends to the app; and Microsoft Graph's `checkMemberGroups` (Entra groups of the policy).
- azurite.py: starts Azurite, Microsoft's own Azure Storage emulator (npm), for the record store's tests.
"""
