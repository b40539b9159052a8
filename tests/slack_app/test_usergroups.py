"""User-group lookups against the Slack stand-in: cached, and deny-by-default when Slack cannot answer."""

from __future__ import annotations

import logging

import pytest
from slack_sdk import WebClient

from devhost.standins.slack import SlackFault, SlackStandIn
from slack_app.usergroups import UsergroupDirectory
from tests.conftest import ALICE, BOB, BOT_TOKEN


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def directory(slack_standin: SlackStandIn) -> tuple[UsergroupDirectory, Clock]:
    clock = Clock()
    client = WebClient(token=BOT_TOKEN, base_url=slack_standin.base_url, timeout=2)
    return UsergroupDirectory(client, ttl_s=300, error_ttl_s=15, clock=clock), clock


def test_membership_is_looked_up_once_per_ttl(directory: tuple[UsergroupDirectory, Clock]) -> None:
    groups, clock = directory
    assert groups.is_member("S0RELEASE", BOB) is True
    assert groups.is_member("S0RELEASE", ALICE) is False
    assert groups.lookups == 1
    clock.now += 301
    assert groups.is_member("S0RELEASE", BOB) is True
    assert groups.lookups == 2


def test_errors_answer_unknown_are_logged_and_retried_soon(
    directory: tuple[UsergroupDirectory, Clock], slack_standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    groups, clock = directory
    slack_standin.add_fault(SlackFault(method="usergroups.users.list", status=429, retry_after_s=60))
    with caplog.at_level(logging.WARNING):
        assert groups.is_member("S0RELEASE", BOB) is None
    assert "treating as not a member" in caplog.text
    assert groups.is_member("S0RELEASE", BOB) is None and groups.lookups == 1, "errors are cached briefly"
    clock.now += 16
    assert groups.is_member("S0RELEASE", BOB) is True


def test_an_unknown_group_is_unknown_not_empty(directory: tuple[UsergroupDirectory, Clock]) -> None:
    groups, _ = directory
    assert groups.is_member("S0NOSUCH", BOB) is None


def test_an_unreachable_slack_is_unknown(caplog: pytest.LogCaptureFixture) -> None:
    client = WebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/", timeout=1)
    assert UsergroupDirectory(client).is_member("S0RELEASE", BOB) is None
