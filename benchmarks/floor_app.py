"""The cold-start floor: the minimal DFApp's answer, after importing the libraries the real ack path cannot skip.

Any Bolt app that answers a slash command loads `slack_bolt` (and with it `slack_sdk`, whose package import pulls
in its WebClient even for the signature check); one that reads the Partner Portal inline also loads `requests`
(with `urllib3` and `charset_normalizer`). This app does only that, on the first request as the real app does,
and answers the same fixed text as `minimal_app.py`: the difference between the two is what those libraries cost
a cold start, measured in the same run, so the report can say how much of the app's figure is theirs.
"""

from __future__ import annotations

import importlib
import json

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

FLOOR_MODULES = ("slack_bolt", "requests")


def floor_slack_commands(req: func.HttpRequest) -> func.HttpResponse:
    """Import Bolt and requests (once per process), then acknowledge with the minimal app's fixed text."""
    for name in FLOOR_MODULES:
        importlib.import_module(name)
    body = json.dumps({"response_type": "ephemeral", "text": "ok"})
    return func.HttpResponse(body, status_code=200, mimetype="application/json")


app.route(route="slack/commands", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(floor_slack_commands)
