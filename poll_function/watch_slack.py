"""The watcher's Slack update: what `watch_logic.slack_due` decided, rendered by `slack_app.progress`.

The one place the watcher calls the Slack renderer (from orchestrator code: rendering is pure and deterministic, so
the `update_slack` activity input it produces is the same on every replay).
"""

from __future__ import annotations

from cppcancel.contracts import WatchRequest
from poll_function.payloads import SlackUpdate
from poll_function.watch_logic import SlackPlan, slack_due
from poll_function.watch_state import WatchState
from poll_function.watch_view import WatchView
from slack_app.progress import render_progress, thread_reply


def plan_slack(request: WatchRequest, state: WatchState, view: WatchView) -> SlackPlan | None:
    """The `update_slack` call to make for `view`, or None when Slack must not be called (see `slack_due`)."""
    due = slack_due(request, state, view)
    if due is None:
        return None
    rendered = render_progress(view)
    thread = thread_reply(view, due.previous_raw) if due.thread else None
    update = SlackUpdate(due.channel, due.ts, rendered.text, list(rendered.blocks), thread)
    return SlackPlan(update, due.digest, due.status_key, due.status_raw)
