"""The watcher's chat activity, `update_slack` (its name is in every history): keep the progress message current,
and reply in its thread, through the chat the watch answers to (`cppcancel.chat.chat_for`).

The chat sorts its failures: rate limits come back as `retryAfterS` (the watcher waits on a durable timer),
transient failures are raised (call_activity_with_retry tries again), permanent ones are values (the watch goes on
without the chat).
"""

from __future__ import annotations

from typing import Any

from cppcancel.chat import ChatUpdate, chat_for
from cppcancel.jsonread import json_object


def update_slack(payload: Any) -> dict[str, Any]:
    """Input `ChatUpdate` JSON; output `ChatResult` JSON. One post per run (see `ChatPort.update`)."""
    update = ChatUpdate.from_json(json_object(payload))
    return chat_for(update.chat).update(update).to_json()
