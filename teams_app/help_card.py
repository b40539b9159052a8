"""The help card: what the Teams bot answers for now, built from the same grammar and words as Slack's `/cpp help`.

The commands themselves come with the chat port (teams_app's docstring has the plan); until then every message gets
this card, which says so, and lists the commands in the grammar's own usage lines (`slack_app.grammar.USAGE`, the
one grammar both chats will share) and which API serves which offer (`cppcancel.offer_apis`). Text only: no
buttons, nothing to click that would do anything.
"""

from __future__ import annotations

from microsoft_teams.cards import AdaptiveCard, TextBlock

from cppcancel import offer_apis
from slack_app.grammar import USAGE

BOT_MENTION = "@cpp"
VERBS = ("ops", "status", "cancel", "history", "help")


def help_lines() -> list[str]:
    """The usage lines as a person types them in a Teams channel (after the @mention)."""
    return [f"{BOT_MENTION} {USAGE[verb]}" for verb in VERBS]


TITLE = "cppcancel: stop a marketplace publish, safely, by the right person."


def help_card() -> AdaptiveCard:
    """The card itself (Adaptive Card 1.5, plain TextBlocks)."""
    blocks = [
        TextBlock(text=TITLE, weight="Bolder", wrap=True),
        TextBlock(
            text=(
                "Commands are not served in Microsoft Teams yet: this bot answers with this help for now. Until "
                "they are, use /cpp in Slack or the signed webhook. These are the commands to come (in a personal "
                "chat without the @mention):"
            ),
            wrap=True,
        ),
        TextBlock(text="\n".join(f"- {line}" for line in help_lines()), wrap=True, font_type="Monospace"),
        TextBlock(text="Which API serves your offer", weight="Bolder", wrap=True),
        TextBlock(
            text="\n".join(
                (
                    f"- {offer_apis.CPP_OFFERS}: name the publisher and offer.",
                    f"- {offer_apis.INGESTION_OFFERS}: add job=<jobId>.",
                    f"- {offer_apis.SUBMISSION_OFFERS}.",
                )
            ),
            wrap=True,
        ),
    ]
    return AdaptiveCard(body=list(blocks))
