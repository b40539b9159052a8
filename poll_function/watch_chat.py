"""The watcher's chat update: what `watch_logic.slack_due` decided, rendered by the chat the watch answers to
(`cppcancel.chat.chat_for(request.chat)`; Slack's renderer is `slack_app.progress`).

The one place the watcher calls a chat's renderer (from orchestrator code: rendering is pure and deterministic, so
the `update_slack` activity input it produces is the same on every replay).
"""

from __future__ import annotations

from cppcancel.chat import ChatUpdate, chat_for
from cppcancel.contracts import WatchRequest
from poll_function.watch_logic import SlackPlan, slack_due
from poll_function.watch_state import WatchState
from poll_function.watch_view import WatchView


def plan_update(request: WatchRequest, state: WatchState, view: WatchView) -> SlackPlan | None:
    """The `update_slack` call to make for `view`, or None when the chat must not be called (see `slack_due`)."""
    due = slack_due(request, state, view)
    if due is None:
        return None
    chat = chat_for(request.chat)
    rendered = chat.render_progress(view)
    thread = chat.thread_reply(view, due.previous_raw) if due.thread else None
    update = ChatUpdate(due.channel, due.ts, rendered.text, list(rendered.blocks), thread, request.chat)
    return SlackPlan(update, due.digest, due.status_key, due.status_raw)
