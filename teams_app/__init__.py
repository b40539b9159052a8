"""Microsoft Teams: the same cancel, policy, record and watcher, from a Teams channel or chat.

The inbound seam and its auth:
- routes.py: the HTTP trigger `POST /api/messages` on `bp` (registered in function_app.py, with the durable client).
  No TEAMS_APP_ID: 401. Imports nothing of the SDK: Slack's ack path and app indexing never load it.
- runtime.py: one SDK `App` per worker, on a thread and event loop of its own (the SDK blocks in places: key
  fetching, its import), built and initialized on the first Teams request; the invocation's durable client reaches
  the handlers through a context variable.
- sdk_app.py: the `App`, every option explicit (credentials, cloud with the OpenID metadata URL, service URL, OAuth
  URL, auth never skipped...), so the SDK's own environment names (CLIENT_ID, CLIENT_SECRET, TENANT_ID, SERVICE_URL,
  CLOUD, OAUTH_URL, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS, a `.env`) change nothing.
- functions_adapter.py: `func.HttpRequest` <-> the SDK's `{body, headers}` / `{status, body}`, the
  `http_server_adapter` it registers on, and the checks before the SDK (Bot Framework issuer, a `serviceUrl` the
  token can vouch for); the SDK validates the JWT (keys, issuer, audience, lifetime, `serviceurl` claim).
- outbound.py: the bot's token goes only under the validated activity's `serviceUrl` (an SDK HTTP middleware).
- tokens.py: the bot identity's tokens (Bot Connector, Graph): the user-assigned managed identity, or static ones
  for local runs; the SDK's `token=` callable. graph.py: Microsoft Graph `checkMemberGroups` for `entraGroups`.

The front end, on the Slack front end's own logic (one grammar, `slack_app.grammar`; one policy; one confirm):
- handlers.py: a message is a command (the @mention stripped), an `adaptiveCard/action` invoke a click answered
  inline; the blocking work runs on a worker thread.
- turn.py: who asks (`TeamsCaller`: `from.aadObjectId`, tenant, team, channel; the policy's Teams subject), the
  attempt (audited with source `teams`), the runtime (Entra groups through Graph only when the policy names one).
- commands.py: `@cpp ops|status|cancel|history|help`, answered with cards; a confirmation is shared with no buttons
  and a `refresh` for its asker. clicks.py: the `Action.Execute` verbs (verbs.py), each checked for whoever sent
  it - refresh (Confirm only for a permitted person), Confirm (the shared confirm, a Teams request: twenty clicks,
  one cancel), Never mind, Cancel…, Stop watching, and a two-person request's Approve and Withdraw (the Slack
  listeners, the same decisions and record).
- cards.py: the answers rendered once, as Slack's (the same words), turned into Adaptive Cards.
- address.py: a conversation and the validated serviceUrl it is reached through, as the one conversation ID the
  pipeline carries.
- chat_port.py: the chat port (`cppcancel.chat`): the cancel's card posted once, kept current by
  `PUT /v3/conversations/{id}/activities/{activityId}`, a reply under it per status change, the confirmation card
  pointed at it; a two-person rule's approval card, replaced in place as the record changes; the token only under
  the stored, validated serviceUrl.

Limits: bots cannot post cards in private channels; a click is answered inside its HTTP request (the always-ready
instance matters as for Slack); a person without an Entra object ID is refused (no policy can name them).
"""

from teams_app.registry import bp

__all__ = ["bp"]
