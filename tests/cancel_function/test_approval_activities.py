"""The two-person rule's activities, called as the worker calls them, against the app's record (SQLite) and the Slack
stand-in: a periodic re-check leaves an unchanged approval message alone, and rewrites one whose record moved on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from cancel_function.names import ASK_APPROVAL, OPEN_APPROVAL, REFRESH_APPROVAL
from cppcancel.approvals import ApprovalNeed
from cppcancel.contracts import CancelRequest
from devhost.standins.slack import SlackStandIn
from tests.cancel_function.conftest import cancel_request

pytestmark = pytest.mark.usefixtures("app_env")

Activity = Callable[[str], Callable[..., Any]]


def _asked(activity: Activity) -> tuple[CancelRequest, str]:
    """A request under a rule of two approvals, opened in the record and asked in the channel."""
    request = replace(cancel_request(), approval=ApprovalNeed(2, "r1", 900.0))
    opened = activity(OPEN_APPROVAL)(payload={"request": request.to_json(), "expiresAt": "2099-01-01T00:00:00Z"})
    asked = activity(ASK_APPROVAL)(payload={"request": request.to_json(), "approval": opened})
    assert asked["messageTs"], asked
    return request, str(asked["messageTs"])


def _updates(standin: SlackStandIn) -> int:
    return sum(1 for m in standin.messages if m.method == "chat.update")


def test_a_recheck_that_finds_the_record_unchanged_leaves_the_message_alone(
    activity: Activity, slack_standin: SlackStandIn
) -> None:
    request, ts = _asked(activity)
    before = _updates(slack_standin)
    refresh = {"request": request.to_json(), "messageTs": ts, "expire": False, "seenChanges": 0}
    record = activity(REFRESH_APPROVAL)(payload=refresh)
    assert record["state"] == "pending"
    assert _updates(slack_standin) == before, "a re-check a minute must not edit an unchanged message"


def test_a_recheck_that_finds_a_change_rewrites_the_message(activity: Activity, slack_standin: SlackStandIn) -> None:
    request, ts = _asked(activity)
    before = _updates(slack_standin)
    refresh = {"request": request.to_json(), "messageTs": ts, "expire": False, "seenChanges": -1}
    activity(REFRESH_APPROVAL)(payload=refresh)
    assert _updates(slack_standin) == before + 1


def test_an_event_driven_refresh_always_rewrites_the_message(activity: Activity, slack_standin: SlackStandIn) -> None:
    request, ts = _asked(activity)
    before = _updates(slack_standin)
    activity(REFRESH_APPROVAL)(payload={"request": request.to_json(), "messageTs": ts, "expire": False})
    assert _updates(slack_standin) == before + 1
