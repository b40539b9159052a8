"""The Slack stand-in's fault model: which calls misbehave, and how a test knows a held call has landed.

A module of its own because tests build faults without caring how the stand-in serves HTTP, and because the
matching rules (`method`, `contains`, `after`, `times`) are the part a test reads to know which one call it holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class SlackFault:
    """Misbehaviour for the next `times` calls of `method` ("*" for any): HTTP status and Slack error code.

    `latency_s` holds the call that long before anything else happens (a request in flight: the reliability tests
    kill the dev host meanwhile). With `proceed` the call is then handled normally instead of failing - a slow
    Slack that still does what it was asked, even if the caller has gone away. `after` lets that many matching
    calls through first (fail the thread reply, not the message before it). `contains` narrows the fault to calls
    whose text or blocks contain that string, so a test can hold exactly the one message it is about whatever
    else is posted around it. `landed` counts the calls this fault has finished with (answered, or failed): a test
    waits on it to know a held call has reached Slack, instead of sleeping for the latency.
    """

    method: str = "*"
    times: int = 1
    status: int = 429
    error: str = "ratelimited"
    retry_after_s: int = 1
    latency_s: float = 0.0
    proceed: bool = False
    after: int = 0
    contains: str = ""
    landed: int = 0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method not in ("*", method) or self.times <= 0:
            return False
        if not self.contains:
            return True
        return self.contains in str(params.get("text") or "") + json.dumps(params.get("blocks") or [])


def claim_fault(faults: list[SlackFault], method: str, params: dict[str, Any]) -> SlackFault | None:
    """The first fault matching the call, counting one use of it; None when none matches or the first match still
    lets calls through (`after`, counted down here). The caller holds the stand-in's lock."""
    for fault in faults:
        if fault.matches(method, params):
            if fault.after > 0:
                fault.after -= 1
                return None
            fault.times -= 1
            return fault
    return None
