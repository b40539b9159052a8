"""The JSON the cancel orchestration's chat activities return, as a typed value parsed in one place.

Activity results travel through the Durable history as JSON, and a history written by an older version of this code
must still replay, so `from_json` is tolerant (missing keys take defaults) and `to_json` writes the keys earlier
code wrote. What `send_cancel` returns is `cppcancel.sending`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cppcancel.jsonread import json_object

# An activity's input (or an orchestration's) as a dict, whether it arrives decoded or as JSON text.
load = json_object


@dataclass(frozen=True)
class ReportResult:
    """Result of `report_cancel`: the channel message's ts (None when it could not be posted there).

    `pointer_pending`: the announcement is in the channel and the person's ephemeral reply is still to be pointed
    at it - by `point_to_report`, a step of its own, so that a re-run of either can repeat only its one post. The
    key is written only when true: a result recorded before the split (whose activity posted the pointer itself)
    reads back as "nothing pending", and its orchestration replays exactly as it ran.
    """

    message_ts: str | None = None
    delivered_via: str | None = None  # "channel", "response_url" or None (nowhere)
    slack_error: str | None = None
    pointer_pending: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "messageTs": self.message_ts,
            "deliveredVia": self.delivered_via,
            "slackError": self.slack_error,
        }
        if self.pointer_pending:
            data["pointerPending"] = True
        return data

    @classmethod
    def from_json(cls, data: object) -> ReportResult:
        if not isinstance(data, Mapping):
            return cls()
        return cls(
            data.get("messageTs"),
            data.get("deliveredVia"),
            data.get("slackError"),
            pointer_pending=data.get("pointerPending") is True,
        )
