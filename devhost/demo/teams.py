"""The demo's Teams act: the same cancel, policy, record and watcher, from a Microsoft Teams channel.

The dev host stands in for Teams' Bot Connector (its keys, its conversation API); the demo plays Teams' side with
signed activities, as the Bot Connector sends them, and prints the cards as a person sees them in Teams:

1. amy @mentions the bot in #releases: `@cpp cancel contoso contoso-saas-offer` -> a card everyone sees, no buttons;
2. Teams refreshes it for amy (the card's `refresh`) -> her version, with [Confirm cancel] (the policy allows her);
3. amy clicks Confirm cancel -> answered in place; the cancel orchestration sends one cancel;
4. the watcher keeps one card current by PUTs to its activity, replying under it; this publish's cancel is a slow
   one (the emulator's `never_ends`), so amy clicks the card's Stop watching, and the card says so;
5. `@cpp history` shows amy's cancel, via Microsoft Teams, beside alice's job cancel from Slack.
"""

from __future__ import annotations

import os
from typing import Any

from devhost.demo.story import PUBLISHER, WATCH_ORCHESTRATOR, StepFailed, Story
from devhost.emulators import LOCAL_TEAMS_APP_ID
from devhost.standins.cpp import Fault
from devhost.standins.teams import BotConnectorClient, BotConnectorStandIn, Person, Place, SentActivity
from teams_app.cards import card_of_activity, readable

AMY = Person("5b8a9c1e-2f3d-4e6a-9b7c-0d1e2f3a4b5c", "amy")
TEAMS_OFFER = "contoso-saas-offer"
# The demo policy's Teams rule: amy, by her Entra object ID.
TEAMS_RULE = {"publishers": [PUBLISHER], "offers": ["*"], "users": [AMY.aad_object_id]}
# Settings the demo owns for Teams: the dev host then stands in for the Bot Connector.
CLEARED = ("TEAMS_APP_ID", "TEAMS_TENANT_ID", "TEAMS_OPENID_METADATA_URL", "TEAMS_ACCESS_TOKEN")


def _lines(card: dict[str, Any] | None) -> list[str]:
    """A card as Teams shows it: its text (Markdown's bold as plain text), its buttons in brackets."""
    return readable(card).replace("**", "").splitlines() if card else ["(no card)"]


def show(story: Story, head: str, lines: list[str]) -> None:
    """Print a card (not through the Slack printer: Teams' Markdown is not Slack's)."""
    story.talk.say(f"    {head}")
    for line in lines:
        story.talk.say(f"    │ {line}")
    story.talk.say()


class TeamsAct:
    """Teams' side of the act, over signed HTTP against the demo's dev host."""

    def __init__(self, story: Story) -> None:
        connector = story.host.emulation.teams
        if connector is None:
            raise StepFailed("the Bot Connector stand-in did not start (devhost.standins.teams.BotConnectorStandIn)")
        self.story, self.connector = story, connector
        url = f"{story.host.origin}/{story.host.host_json.route_prefix}/messages"
        self.client = BotConnectorClient(connector, url, os.environ.get("TEAMS_APP_ID") or LOCAL_TEAMS_APP_ID)

    def message(self, text: str) -> SentActivity:
        self.story.talk.say(f"  amy › @cpp {text}")
        before = len(self.connector.activities)
        reply = self.client.message(text, AMY, Place())
        if reply.status != 200:
            raise StepFailed(f"POST /api/messages answered HTTP {reply.status}: {reply.raw[:300]!r}")
        sent = self.connector.activities[before:]
        if not sent or card_of_activity(sent[0].body) is None:
            raise StepFailed(f"the bot posted no card for '@cpp {text}'")
        show(self.story, "cpp (bot) · in the channel, for everyone", _lines(card_of_activity(sent[0].body)))
        return sent[0]

    def click(self, verb: str, value: str, card: SentActivity, label: str) -> dict[str, Any]:
        if label:
            self.story.talk.user_clicks("amy", label)
        activity = self.client.execute_activity(verb, {"value": value}, AMY, Place(), reply_to_id=card.activity_id)
        activity["conversation"]["id"] = card.conversation_id
        reply = self.client.post(activity)
        if reply.status != 200 or not isinstance(reply.json, dict):
            raise StepFailed(f"the card action {verb} answered HTTP {reply.status}: {reply.raw[:300]!r}")
        answer: dict[str, Any] = reply.json.get("value") or {}
        return answer


def teams_cancel(story: Story) -> None:
    """The act (see the module docstring)."""
    act = TeamsAct(story)
    emulator = story.host.emulation.cpp
    assert emulator is not None
    emulator.add_fault(Fault(method="POST", path=f"/offers/{TEAMS_OFFER}/cancel", operation="never_ends"))
    story.talk.say()
    story.talk.say("Microsoft Teams · #releases " + "─" * 46)
    before = story.latest(WATCH_ORCHESTRATOR)
    shared = act.message(f"cancel {PUBLISHER} {TEAMS_OFFER}")
    card = card_of_activity(shared.body) or {}
    if "actions" in card or "refresh" not in card:
        raise StepFailed("the confirmation everyone sees must have no buttons and a refresh for its asker")
    ticket = str(card["refresh"]["action"]["data"]["value"])
    mine = act.click("refreshCancel", ticket, shared, "")
    show(story, "Teams refreshes the card for amy (only she sees this version)", _lines(mine))
    if "Confirm cancel" not in readable(mine):
        raise StepFailed(f"amy's refreshed card offers no Confirm cancel: {readable(mine)[:300]}")
    story.passed.append("Teams: amy's confirmation showed no button to everyone, and Confirm to her alone")
    show(story, "cpp (bot) · amy's card now", _lines(act.click("confirmCancel", ticket, shared, "Confirm cancel")))

    def watch_done() -> object:
        latest = story.latest(WATCH_ORCHESTRATOR)
        fresh = latest is not None and (before is None or latest.instance_id != before.instance_id)
        return latest if fresh and latest is not None and latest.is_terminal else None

    _stop_watching(story, act, shared.activity_id)
    story.wait_until(watch_done, "the Teams cancel's watcher to finish")
    _show_the_card(story, act.connector, shared.activity_id)
    _teams_history(story, act)


def _stop_watching(story: Story, act: TeamsAct, confirmation_id: str) -> None:
    """Once the watcher has updated the cancel's card twice, amy clicks its Stop watching."""

    def live_card() -> object:
        found = [
            a
            for a in act.connector.activities
            if a.verb == "put" and a.activity_id != confirmation_id and "stopWatch" in str(a.body)
        ]
        return found[-1] if len(found) >= 2 else None

    card: SentActivity = story.wait_until(live_card, "the watcher to update the cancel's card")  # type: ignore[assignment]
    shown = card_of_activity(card.body) or {}
    show(story, "the cancel's card, as the watcher keeps it", _lines(shown))
    value = next(a["data"]["value"] for a in shown.get("actions", []) if a.get("verb") == "stopWatch")
    answer = act.click("stopWatch", str(value), card, "Stop watching")
    show(story, "cpp (bot) · amy's card now", _lines(answer))


def _show_the_card(story: Story, connector: BotConnectorStandIn, confirmation_id: str) -> None:
    emulator = story.host.emulation.cpp
    posts = emulator.cancel_count(offer_id=TEAMS_OFFER, publisher_id=PUBLISHER) if emulator else 0
    if posts != 1:
        raise StepFailed(f"expected exactly one cancel POST for {TEAMS_OFFER}, saw {posts}")
    if emulator is not None:
        emulator.clear_faults()
    sent = list(connector.activities)
    cards = [a for a in sent if card_of_activity(a.body) is not None and a.activity_id != confirmation_id]
    first = next((a for a in cards if a.verb == "post"), None)
    if first is None:
        raise StepFailed("the cancel's card was never posted to the Teams conversation")
    puts = [a for a in cards if a.verb == "put" and a.activity_id == first.activity_id]
    if not puts or any(a.activity_id != first.activity_id for a in cards if a.verb == "put"):
        raise StepFailed("the watcher did not keep the cancel's one card current in place")
    replies = [str(a.body.get("text", "")) for a in sent if a.reply_to_id == first.activity_id]
    last = card_of_activity(puts[-1].body)
    show(
        story, f"the cancel's card now (after {len(puts)} update(s) in place, {len(replies)} reply(ies))", _lines(last)
    )
    show(story, "replies under it", [r.replace("**", "") for r in replies] or ["(none)"])
    if "amy stopped watching" not in readable(last or {}):
        raise StepFailed(f"the cancel's last card does not say amy stopped watching: {readable(last or {})[:300]}")
    story.passed.append(f"Teams: one cancel POST; the watcher kept one card current ({len(puts)} PUTs to its ID)")
    story.passed.append("Teams: amy stopped watching from the card, and the card says so")


def _teams_history(story: Story, act: TeamsAct) -> None:
    sent = act.message(f"history {PUBLISHER} {TEAMS_OFFER}")
    shown = readable(card_of_activity(sent.body) or {})
    if "amy via Microsoft Teams" not in shown:
        raise StepFailed(f"@cpp history does not show amy's cancel via Microsoft Teams: {shown[:300]}")
    story.passed.append("Teams: @cpp history shows amy's cancel, from the same record as Slack's")
