"""When the ack to Slack must be out, and how much of that a Partner Portal read may use (pure).

Slack shows the person an error when the ack has not arrived 3 s after *Slack sent* the request; slash commands are
not retried. Counting only from the handler's start misses what happened before it: a cold worker (interpreter,
imports, indexing) can eat most of the 3 s before the function even runs. So the deadline is the earlier of two:

- `ACK_BUDGET_S` from the handler's start (as before: the rest of the 3 s is the network back to Slack);
- `ACK_BUDGET_S` from Slack's send time, read from `X-Slack-Request-Timestamp`.

The header is whole seconds, truncated: the real send time lies in `[ts, ts + 1)`, so Slack's own deadline lies in
`[ts + 3, ts + 4)`. The safe side is the earliest: assume Slack sent it at `ts` exactly, giving `ts + ACK_BUDGET_S`
(the same 0.5 s network margin as the handler bound). That can give away up to 1 s of a fresh request's budget; it
can never promise time Slack will not wait. A timestamp ahead of our clock (skew) cannot extend the deadline past
the handler bound, since the earlier of the two wins; one already past (a request that waited in a queue) leaves
no time at all, and the command then acks at once and answers through its response_url.

The numbers for the slow path: a read is tried inline only when at least `MIN_INLINE_READ_S` remain after keeping
`DEFER_RESERVE_S` back for handing the answer to a durable orchestration and sending the ack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SLACK_ACK_LIMIT_S = 3.0  # Slack's limit, counted from when it sent the request
ACK_BUDGET_S = 2.5  # of Slack's 3 s: the rest is the network between Slack and the app
DEFER_RESERVE_S = 0.5  # kept back from a read: starting the durable follow-up, then the ack itself
MIN_INLINE_READ_S = 0.3  # less than this left for the Partner Portal: do not even try inline
MIN_DEFER_START_S = 0.2  # the follow-up is always given this long to start, even when the ack is already late

_TIMESTAMP = re.compile(r"\s*([0-9]{1,12})\s*")


def slack_timestamp(header: object) -> int | None:
    """`X-Slack-Request-Timestamp` as whole seconds, or None when it is absent or not a plain number (the signature
    check refuses such a request anyway; here it only means "no send time known")."""
    if isinstance(header, list | tuple):
        header = header[0] if header else None
    if not isinstance(header, str):
        return None
    match = _TIMESTAMP.fullmatch(header)
    return int(match.group(1)) if match else None


def ack_deadline(
    *, started_mono: float, started_wall: float, sent_at: int | None, budget_s: float = ACK_BUDGET_S
) -> float:
    """The ack deadline as a `time.monotonic()` value.

    `started_mono` / `started_wall`: the handler's start on the monotonic and the wall clock (read together);
    `sent_at`: Slack's send time from the header (None: unknown, only the handler bound applies).
    """
    from_handler = started_mono + budget_s
    if sent_at is None:
        return from_handler
    # Slack sent it at `sent_at` at the earliest; that instant on the monotonic clock:
    sent_mono = started_mono - (started_wall - sent_at)
    return min(from_handler, sent_mono + budget_s)


@dataclass(frozen=True)
class AckClock:
    """One Slack request's timing, worked out where the request comes in and handed to the listeners."""

    deadline: float  # time.monotonic() by which the ack must be out
    sent_at: float  # when Slack sent the request (epoch seconds, the safe side), else when the handler started


def ack_clock(header: object, *, started_mono: float, started_wall: float) -> AckClock:
    """The `AckClock` of a request whose `X-Slack-Request-Timestamp` is `header`, handled from the given instant."""
    sent = slack_timestamp(header)
    return AckClock(
        deadline=ack_deadline(started_mono=started_mono, started_wall=started_wall, sent_at=sent),
        sent_at=float(sent) if sent is not None and sent <= started_wall else started_wall,
    )


def read_deadline(ack_by: float, now: float) -> float | None:
    """Until when (monotonic) an inline Partner Portal read may run, or None when too little is left to try."""
    read_by = ack_by - DEFER_RESERVE_S
    return read_by if read_by - now >= MIN_INLINE_READ_S else None


def start_timeout(ack_by: float, now: float) -> float:
    """How long starting the durable follow-up may take: what is left of the ack budget, but at least
    `MIN_DEFER_START_S` (without the follow-up the answer would be lost, not merely late)."""
    return max(MIN_DEFER_START_S, ack_by - now)
