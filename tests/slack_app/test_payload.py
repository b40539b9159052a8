"""Reading who asks from Slack's payloads, Enterprise Grid included (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from slack_app.payload import Caller, enterprise_of


@pytest.mark.parametrize(
    ("body", "org"),
    [
        ({"enterprise_id": "E0ORG", "team_id": "T0WS"}, "E0ORG"),  # a slash command on Grid
        ({"enterprise": {"id": "E0ORG", "name": "Org"}, "team": {"id": "T0WS"}}, "E0ORG"),  # a click on Grid
        ({"enterprise": "E0ORG"}, "E0ORG"),
        ({"team": {"id": "T0WS", "enterprise_id": "E0ORG"}}, "E0ORG"),
        ({"enterprise": None, "team": {"id": "T0WS"}}, None),  # a click outside Grid
        ({"enterprise_id": ""}, None),
        ({"enterprise": {"id": 7}}, None),
        ({}, None),
    ],
)
def test_the_org_is_read_wherever_slack_puts_it(body: dict[str, Any], org: str | None) -> None:
    assert enterprise_of(body) == org


def test_a_grid_command_and_click_carry_the_org_into_the_policy_subject_and_the_requester() -> None:
    command = Caller.from_command({"user_id": "U0A", "team_id": "T0WS", "enterprise_id": "E0ORG"})
    click = Caller.from_action({"user": {"id": "U0A"}, "team": {"id": "T0WS"}, "enterprise": {"id": "E0ORG"}})
    for caller in (command, click):
        assert (caller.subject.team_id, caller.subject.enterprise_id) == ("T0WS", "E0ORG")
        assert caller.requester().to_json()["enterpriseId"] == "E0ORG"
    assert "enterpriseId" not in Caller.from_command({"user_id": "U0A"}).requester().to_json()
