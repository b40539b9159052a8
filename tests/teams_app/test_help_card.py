"""The help card (the bot's only answer until the commands come) and the SDK <-> Functions response mapping."""

from __future__ import annotations

import json

from slack_app.grammar import USAGE
from teams_app.functions_adapter import to_function_response
from teams_app.help_card import help_card, help_lines


def test_the_help_card_lists_every_command_of_the_shared_grammar_and_says_they_are_not_served_yet() -> None:
    card = help_card().model_dump(by_alias=True, exclude_none=True)
    text = "\n".join(block["text"] for block in card["body"])
    assert card["type"] == "AdaptiveCard" and "actions" not in card, "nothing to click"
    assert all(f"@cpp {usage}" in text for usage in USAGE.values())
    assert help_lines()[0] == "@cpp ops <publisher> <offer>"
    assert "not served in Microsoft Teams yet" in text
    assert "Partner Center submission API" in text, "which API serves which offer, as in Slack's help"


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
