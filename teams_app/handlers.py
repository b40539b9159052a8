"""What the bot does with an activity: a message is a command (`teams_app.commands`), answered with a card posted
to its conversation; a card click (`adaptiveCard/action`) is answered in the same HTTP request with the card the
clicker sees next (`teams_app.clicks`).

The fence comes first (`outbound.fence_turn`): whatever a handler sends goes only to the activity's validated
serviceUrl. The work itself blocks (the APIs' reads, Microsoft Graph, the durable client), so it runs on a worker
thread (`asyncio.to_thread`), never on the Teams loop; the invocation's durable client comes from the route
(`teams_app.runtime.current_durable`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
from microsoft_teams.api.activities.message.message import MessageActivity
from microsoft_teams.api.models.adaptive_card.adaptive_card_action_response import AdaptiveCardActionCardResponse
from microsoft_teams.apps import App
from microsoft_teams.apps.routing.activity_context import ActivityContext
from microsoft_teams.cards import AdaptiveCard

from cppcancel.settings import get_settings
from teams_app import clicks, commands
from teams_app.address import Address
from teams_app.outbound import fence_turn
from teams_app.runtime import current_durable
from teams_app.turn import TeamsCaller, caller_of, teams_runtime


def _caller(activity: Any) -> TeamsCaller | None:
    """Who asks and from where, as the validated activity says (`teams_app.turn.caller_of`)."""
    sender, conversation, data = activity.from_, activity.conversation, activity.channel_data
    tenant = getattr(conversation, "tenant_id", None) or getattr(getattr(data, "tenant", None), "id", None)
    return caller_of(
        aad_object_id=getattr(sender, "aad_object_id", None),
        name=getattr(sender, "name", None),
        teams_user_id=getattr(sender, "id", None),
        tenant_id=tenant,
        team_id=getattr(getattr(data, "team", None), "id", None),
        channel_id=getattr(getattr(data, "channel", None), "id", None),
        address=Address(str(conversation.id), str(activity.service_url)),
    )


async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
    """A command (in a channel: one that @mentions the bot, the mention stripped) gets its card, in its thread."""
    text = ctx.activity.strip_mentions_text().text or ""
    rt = teams_runtime(get_settings())
    answer = await asyncio.to_thread(commands.answer, rt, _caller(ctx.activity), text.strip())
    await ctx.send(AdaptiveCard.model_validate(answer.card))


async def on_execute(ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> AdaptiveCardActionCardResponse:
    """An `adaptiveCard/action` invoke is answered inline: the refreshed card is the HTTP response's body."""
    action = ctx.activity.value.action
    rt = teams_runtime(get_settings())
    card = await asyncio.to_thread(
        clicks.answer,
        rt,
        _caller(ctx.activity),
        action.verb or "",
        action.data or {},
        current_durable(),
        ctx.activity.reply_to_id,
    )
    return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(card))


def register(app: App) -> None:
    app.use(fence_turn)
    app.on_message(on_message)
    app.on_card_action_execute(on_execute)
