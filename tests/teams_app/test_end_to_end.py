"""Teams across the seam with the orchestrations: the dev host as a subprocess running the real cancel and watch
orchestrators; Teams played by the Bot Connector stand-in (signed activities in, the conversation API out).

What only the whole product shows: a Teams Confirm sends exactly one cancel; the cancel's card is posted once and
then kept current by PUTs to that same activity until the watch ends; its replies go under it; the confirmation
card is pointed at it; Stop watching is refused to someone the policy does not allow and honoured for someone it
does; every call carries the bot's token to the validated serviceUrl and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.standins.cpp import Fault
from devhost.standins.slack import SlackStandIn
from devhost.standins.teams import BotConnectorClient, BotConnectorStandIn, SentActivity
from teams_app.cards import card_of_activity, readable
from tests.conftest import app_settings
from tests.devhost.conftest import free_port, wait_until
from tests.devhost.process import DevHostProcess
from tests.teams_app.conftest import AMY, APP_ID, BEN, MALLORY, TEAMS_POLICY, teams_settings
from tests.teams_app.test_confirm import ask, execute, verbs

pytestmark = pytest.mark.e2e


@pytest.fixture
def remote_teams(
    tmp_path: Path, cpp_emulator: Any, slack_standin: SlackStandIn, connector: BotConnectorStandIn
) -> Iterator[BotConnectorClient]:
    connector.reset()
    env = app_settings(cpp_emulator, slack_standin, **teams_settings(connector))
    env["CANCEL_POLICY"] = json.dumps(TEAMS_POLICY)
    process = DevHostProcess(
        app="function_app:app", port=free_port(), data_dir=tmp_path / "data", env=env, log_path=tmp_path / "dh.log"
    )
    process.start()
    try:
        yield BotConnectorClient(connector, f"{process.origin}/api/messages", APP_ID)
    finally:
        process.stop()


def card_text(activity: SentActivity) -> str:
    card = card_of_activity(activity.body)
    return readable(card) if card is not None else str(activity.body.get("text", ""))


def stop_value(activity: SentActivity) -> str | None:
    card = card_of_activity(activity.body) or {}
    found = [a["data"]["value"] for a in card.get("actions", []) if a.get("verb") == "stopWatch"]
    return found[0] if found else None


def test_a_teams_confirm_clicked_twenty_times_cancels_once_and_one_card_follows_it_until_stopped(
    remote_teams: BotConnectorClient, connector: BotConnectorStandIn, elsewhere: BotConnectorStandIn, cpp_emulator: Any
) -> None:
    teams = remote_teams
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
    ticket, card_id, conversation = ask(teams, connector)
    for n in range(20):  # twenty Executes, by two people
        execute(teams, "confirmCancel", ticket, AMY if n % 3 else BEN, card_id, conversation)

    def report() -> SentActivity | None:
        posts = [a for a in connector.activities if a.verb == "post" and a.activity_id != card_id]
        return posts[0] if posts else None

    first: SentActivity = wait_until(report, 30, "the cancel's card")
    live: SentActivity = wait_until(
        lambda: next((a for a in connector.activities if a.activity_id == first.activity_id and stop_value(a)), None),
        30,
        "the progress card's Stop watching",
    )
    value = stop_value(live)
    assert value is not None
    refused = execute(teams, "stopWatch", value, MALLORY, first.activity_id, conversation)
    assert "Missing permission" in readable(refused) and verbs(refused) == []
    stopped = execute(teams, "stopWatch", value, BEN, first.activity_id, conversation)
    assert "not undone" in readable(stopped)
    wait_until(
        lambda: any("Ben stopped watching" in card_text(a) for a in connector.activities if a.verb == "put"),
        30,
        "the final card saying who stopped the watch",
    )
    # The final reply under the card follows the card's last PUT (the same update, one call later): wait for it too.
    wait_until(lambda: _reply_after_the_stop(connector), 30, "the final reply under the card")

    assert cpp_emulator.cancel_count() == 1
    sent = list(connector.activities)
    cards = [a for a in sent if card_of_activity(a.body) is not None and a.activity_id != card_id]
    assert cards[0].verb == "post" and all(a.verb == "put" for a in cards[1:]), "one card, then updates in place"
    assert {a.activity_id for a in cards} == {first.activity_id}
    replies = [a for a in sent if card_of_activity(a.body) is None]
    assert replies and all(a.reply_to_id == first.activity_id for a in replies), "replies go under the card"
    pointed = [a for a in sent if a.activity_id == card_id and a.verb == "put"]
    assert pointed and "Cancel requested" in card_text(pointed[0]), "the confirmation points at the card"
    assert all(a.token == connector.token for a in sent)
    assert not any(r.method in ("POST", "PUT") for r in elsewhere.requests)
    assert MALLORY.name not in "\n".join(card_text(a) for a in sent)


def test_two_people_confirming_two_cards_of_one_offer_send_one_cancel(
    remote_teams: BotConnectorClient, connector: BotConnectorStandIn, cpp_emulator: Any
) -> None:
    """Two confirmations, two cancel orchestrations: the record and the offer's lock let one POST out; the second
    joins it and says so in its own card."""
    teams = remote_teams
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
    amy_ticket, amy_card, amy_conversation = ask(teams, connector, AMY)
    ben_ticket, ben_card, ben_conversation = ask(teams, connector, BEN, reset=False)
    execute(teams, "confirmCancel", amy_ticket, AMY, amy_card, amy_conversation)
    wait_until(lambda: cpp_emulator.cancel_count() == 1, 30, "the first cancel")
    execute(teams, "confirmCancel", ben_ticket, BEN, ben_card, ben_conversation)
    wait_until(
        lambda: any("joined" in card_text(a) for a in connector.activities if a.conversation_id == ben_conversation),
        30,
        "Ben's card saying his cancel joined Amy's",
    )
    assert cpp_emulator.cancel_count() == 1


def _reply_after_the_stop(connector: BotConnectorStandIn) -> bool:
    """A reply under the card after the PUT that says who stopped the watch (an earlier reply does not count)."""
    sent = list(connector.activities)
    stop = next((i for i, a in enumerate(sent) if a.verb == "put" and "Ben stopped watching" in card_text(a)), None)
    return stop is not None and any(card_of_activity(a.body) is None for a in sent[stop + 1 :])
