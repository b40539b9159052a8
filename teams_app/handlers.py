"""What the bot does with an activity, for now: every message gets the help card, and every `Action.Execute` click
is answered in the same HTTP request with the help card in place of the clicked one.

The fence comes first (`outbound.fence_turn`): whatever a handler sends goes only to the activity's validated
serviceUrl. The real commands (ops/status/cancel/history through the chat port) replace these two handlers; the
package docstring has the plan.
"""

from __future__ import annotations

from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
from microsoft_teams.api.activities.message.message import MessageActivity
from microsoft_teams.api.models.adaptive_card.adaptive_card_action_response import AdaptiveCardActionCardResponse
from microsoft_teams.apps import App
from microsoft_teams.apps.routing.activity_context import ActivityContext

from teams_app.help_card import help_card
from teams_app.outbound import fence_turn


async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
    """A message (in a channel: one that @mentions the bot) gets the help card, in its thread."""
    await ctx.send(help_card())


async def on_execute(ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> AdaptiveCardActionCardResponse:
    """An `adaptiveCard/action` invoke is answered inline: the refreshed card is the HTTP response's body."""
    return AdaptiveCardActionCardResponse(value=help_card())


def register(app: App) -> None:
    app.use(fence_turn)
    app.on_message(on_message)
    app.on_card_action_execute(on_execute)
