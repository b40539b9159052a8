"""The cold-start baseline: a DFApp with one HTTP function, answering on the real slash-command route.

As small as a function app that still goes through the Durable flavour of the v2 model can be: `azure.functions`
and `azure.durable_functions` (which the real app needs too, and which the Functions worker would load anyway),
one synchronous HTTP function, no Bolt, no Slack SDK, no Partner Portal client. It answers at the same path as the
real app (`POST /api/slack/commands`), so the cold-start client is identical for both. It does not verify the
Slack signature: verifying belongs to the cost being measured on the real side.
"""

from __future__ import annotations

import json

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def minimal_slack_commands(req: func.HttpRequest) -> func.HttpResponse:
    """Acknowledge with a fixed ephemeral text: the least an HTTP function can do for Slack."""
    body = json.dumps({"response_type": "ephemeral", "text": "ok"})
    return func.HttpResponse(body, status_code=200, mimetype="application/json")


# Registered by call rather than as a decorator: the durable SDK is untyped, and mypy strict would call the
# decorated function untyped.
app.route(route="slack/commands", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(minimal_slack_commands)
