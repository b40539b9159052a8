"""The durable follow-up of a slash command whose answer did not fit in Slack's ack (`slack_app.later`): one
orchestration per command, `answer_slack_later`, with one activity, `answer_slack_command`.

Started by the command's HTTP trigger (through the listeners' DurableGateway) after it acked "Looking up…"; durable,
so the answer is delivered even though the function has returned, and again after a host restart. The activity is
retried once on a transient Slack failure; whatever happens, the orchestration ends with the activity's result (or
`{"posted": false}`), never with an exception for the host to log as a failed instance. Slack and the Partner Portal
client are imported when the activity runs, not when the app is indexed.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from cppcancel.contracts import json_object
from durable_registration import OrchestrationContext, retry_options

ANSWER_RETRY = retry_options(2000, 2)


def answer_slack_later(context: OrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Input: `slack_app.later.LaterRequest` JSON. Output: the activity's `{"posted": bool, ...}`."""
    request = json_object(context.get_input())
    try:
        result = yield context.call_activity_with_retry("answer_slack_command", ANSWER_RETRY, request)
    except Exception:
        return {"posted": False, "reason": "failed"}
    return json_object(result)


def answer_slack_command(payload: Any) -> dict[str, Any]:
    """Read the offer, render the answer, post it to the command's response_url (see `slack_app.later_answer`)."""
    from cppcancel.settings import get_settings
    from slack_app.later import LaterRequest
    from slack_app.later_answer import answer_later

    return answer_later(get_settings(), LaterRequest.from_json(json_object(payload)))
