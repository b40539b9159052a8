"""One person's command or click, and the one audit record it leaves (`Attempt`).

Every listener works inside an attempt: it names who is asking (the payload's caller), on which offer and under
which confirmation, and carries the ref the person sees in every answer ("ref 1a2b...") - the audit record's
correlation ID, so support can go from a screenshot to the log line. `Attempt.record` is the only place the Slack
front end writes an audit record, as every attempt does (`cppcancel.audit.AuditedAttempt`: it tells the one factory
who, where and which offer, as the orchestrations' requests do).

Time budget: Slack waits 3 s for the ack; everything an attempt does must fit in `ACK_BUDGET_S` of it (`deadline`, a
`time.monotonic()` value the CPP read and the group lookups share). The HTTP trigger works it out from the handler's
start and from Slack's send time (`slack_app.deadline`) and the listeners put it on the attempt; an attempt made
without one counts from when it began.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass
from typing import ClassVar

from cppcancel.audit import AuditedAttempt, Decision, Outcome
from cppcancel.contracts import Requester, SlackTarget
from cppcancel.policy import Verdict
from cppcancel.targets import Target, offer_target
from slack_app.audit_sink import AuditSink
from slack_app.deadline import ACK_BUDGET_S, AckClock
from slack_app.payload import Caller

__all__ = ["ACK_BUDGET_S", "Attempt"]


@dataclass
class Attempt(AuditedAttempt):
    """Who, what, on which offer, under which ref.

    Each attempt writes one record; the only exception is an unexpected error after the outcome was recorded, which
    adds an `error` record with the same ref (the answer the person saw was "Something went wrong").
    """

    source: ClassVar[str] = "slack"
    sink: AuditSink
    command: str
    ref: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    caller: Caller | None = None
    publisher_id: str | None = None
    offer_id: str | None = None
    request_id: str | None = None
    deadline: float = dataclasses.field(default_factory=lambda: time.monotonic() + ACK_BUDGET_S)
    sent_at: float = dataclasses.field(default_factory=time.time)  # when Slack sent it (epoch s), as far as known
    verdict: Verdict | None = None  # the policy's last answer for the caller (how many must approve, under which rule)

    def timed_by(self, clock: object) -> Attempt:
        """Take the request's `AckClock` (from the HTTP trigger, through the Bolt context) when there is one."""
        if isinstance(clock, AckClock):
            self.deadline, self.sent_at = clock.deadline, clock.sent_at
        return self

    def on_offer(self, publisher_id: str, offer_id: str, request_id: str | None = None) -> tuple[str, str]:
        """Name the offer (and confirmation) the attempt is about, for its audit record; returns the IDs."""
        self.publisher_id, self.offer_id = publisher_id, offer_id
        if request_id is not None:
            self.request_id = request_id
        return publisher_id, offer_id

    @property
    def offer(self) -> tuple[str, str]:
        """The offer, once named (listeners name it before they check the policy)."""
        assert self.publisher_id is not None and self.offer_id is not None, "the attempt names no offer yet"
        return self.publisher_id, self.offer_id

    @property
    def offer_target(self) -> Target:
        """What naming the attempt's offer alone means (`cppcancel.targets.offer_target`)."""
        return offer_target(*self.offer)

    @property
    def who(self) -> Caller:
        """The caller, once the payload has been read (the listener frame does that first)."""
        assert self.caller is not None, "the attempt names no caller yet"
        return self.caller

    @property
    def requester(self) -> Requester | None:
        """Who asked, for the audit record (None until the payload has been read)."""
        return self.caller.requester() if self.caller else None

    @property
    def slack(self) -> SlackTarget | None:
        """Where they asked, for the audit record."""
        channel = self.caller.channel_id if self.caller else None
        return SlackTarget(channel) if channel else None

    def audit_ids(self) -> tuple[str, str | None]:
        """The ref the person sees in every answer, and the confirmation's request ID."""
        return self.ref, self.request_id

    def record(
        self, decision: Decision, outcome: Outcome, *, status_code: int | None = None, reason: str | None = None
    ) -> None:
        self.sink.record(self.audit_record(decision, outcome, status_code=status_code, reason=reason))
