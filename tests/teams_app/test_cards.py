"""Slack's answers as Adaptive Cards (pure): the same words, Teams' Markdown, only buttons that do something; and
the SDK <-> Functions response mapping."""

from __future__ import annotations

import json

from slack_app import replies
from slack_app.blockkit import actions, button, context, message, section
from slack_app.grammar import USAGE
from teams_app import cards
from teams_app.cards import teams_words
from teams_app.functions_adapter import to_function_response


def test_the_help_card_lists_every_command_of_the_shared_grammar_as_typed_in_teams() -> None:
    card = cards.to_card(teams_words(replies.help_message("/cpp")))
    text = cards.readable(card)
    assert card["type"] == "AdaptiveCard" and "actions" not in card, "nothing to click"
    assert all(f"@cpp {usage}" in text for usage in USAGE.values())
    assert "/cpp" not in text and "Partner Center submission API" in text


def test_slack_mrkdwn_becomes_adaptive_card_markdown() -> None:
    said = "*Cancel* <@U1> in <#C1|releases> at <!date^1700000000^{time}|2023-11-14 22:13 UTC> :warning: `x` &lt;y&gt;"
    assert cards.markdown(said, {"U1": "Amy"}) == "**Cancel** Amy in releases at 2023-11-14 22:13 UTC ⚠️ x <y>"
    assert cards.markdown("<https://example.com/a|the log>") == "[the log](https://example.com/a)"


def test_a_channel_without_a_label_is_a_slack_one_by_its_id_or_else_the_teams_channel_the_card_is_in() -> None:
    assert cards.markdown("posted in <#C0RELEASES>") == "posted in a Slack channel"
    assert cards.markdown("posted in <#19:local-releases@thread.tacv2>") == "posted in this channel"


def test_buttons_become_the_actions_mapped_and_no_others() -> None:
    slack = message(
        "t",
        [
            section("hello"),
            actions("a", button("Go", "confirm_cancel", "V1", style="danger"), button("Other", "nobody_maps", "V2")),
            context("ref 1"),
        ],
    )
    card = cards.to_card(slack, buttons={"confirm_cancel": cards.value_button("confirmCancel")})
    assert card["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Go",
            "verb": "confirmCancel",
            "data": {"value": "V1"},
            "style": "destructive",
        }
    ]
    assert "actions" not in cards.to_card(slack), "an unmapped button is left out"
    assert card["body"][-1]["isSubtle"] is True


def test_sdk_answers_become_function_responses_in_the_apps_shape() -> None:
    empty = to_function_response({"status": 200, "body": None})
    assert (empty.status_code, empty.get_body()) == (200, b"")
    card = to_function_response({"status": 200, "body": {"statusCode": 200}})
    assert (card.status_code, json.loads(card.get_body()), card.mimetype) == (
        200,
        {"statusCode": 200},
        "application/json",
    )
    refused = to_function_response({"status": 401, "body": {"error": "Unauthorized"}})
    assert (refused.status_code, json.loads(refused.get_body())["error"]["code"]) == (401, "unauthorized")
    failed = to_function_response({"status": 500, "body": {"error": "Internal server error"}})
    assert (failed.status_code, json.loads(failed.get_body())["error"]["code"]) == (500, "teams_failed")
