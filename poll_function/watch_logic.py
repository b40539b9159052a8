"""The watcher's decisions, as pure functions of (request, state, what an activity answered, orchestrator time).

The orchestrator generator only sequences durable tasks; everything it decides - what the operation's state means,
when to poll next, whether Slack must be called (`slack_due`), how the watch ends - is here, so it is deterministic
by construction (no clock, no I/O, no environment) and testable without the Durable SDK. What the watch looks like
is `watch_view`; how Slack shows it is rendered by `watch_slack` (the one place the watcher calls the renderer).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cppcancel.contracts import Requester, WatchRequest
from cppcancel.schedule import Evidence, ScheduleParams, error_retry_delay, next_poll_delay, parse_time_frame
from cppcancel.times import iso, parse_iso
from partner_portal.models import Operation, StepStatus
from poll_function.payloads import PollResult, SlackResult, SlackUpdate
from poll_function.watch_state import WatchState
from poll_function.watch_view import Phase, WatchView, phase_of, progress_digest, status_key

# Failed polls in a row before the watch gives up: with the default schedule (15 s doubling to 5 min) about half
# an hour of a Partner Portal that cannot be read, long enough to ride out a deployment or a throttling episode.
MAX_CONSECUTIVE_ERRORS = 10
# Slack `ratelimited` answers waited out (each on a durable timer, Retry-After long) before an update is skipped.
MAX_RATELIMIT_WAITS = 5
MAX_SLACK_WAIT_S = 300.0


def begin(request: WatchRequest, state: WatchState, now: datetime) -> tuple[WatchRequest, datetime]:
    """The request with a usable `started_at` (the first generation's clock if the starter gave none)."""
    started_at = parse_iso(request.started_at)
    if started_at is None:
        started_at = now
        request = replace(request, started_at=iso(now))
    return request, started_at


def with_params(state: WatchState, params: ScheduleParams, started_at: datetime) -> WatchState:
    """Freeze the schedule parameters and the deadline for the rest of the watch."""
    deadline = started_at + timedelta(seconds=params.timeout_s)
    return replace(state, params=params, deadline=iso(deadline))


def deadline_of(state: WatchState, started_at: datetime) -> datetime:
    deadline = parse_iso(state.deadline)
    if deadline is not None:
        return deadline
    return started_at + timedelta(seconds=(state.params or ScheduleParams()).timeout_s)


def view_for(
    request: WatchRequest,
    state: WatchState,
    started_at: datetime,
    now: datetime,
    phase: Phase,
    *,
    operation: Operation | None = None,
    error: str | None = None,
    stopped_by: Requester | None = None,
) -> WatchView:
    return WatchView(
        publisher_id=request.publisher_id,
        offer_id=request.offer_id,
        requester=request.requester,
        watch_instance_id=request.instance_id,
        phase=phase,
        started_at=started_at,
        now=now,
        operation=operation if operation is not None else state.operation,
        polls=state.polls,
        error=error,
        stopped_by=stopped_by,
    )


def job_poll_input(request: WatchRequest) -> dict[str, Any]:
    """`poll_job`'s input: the job, this watcher (so the job's shared pace knows who read), and for a cancel's
    watcher when the cancel was answered (its first read counts from there; `started_at` is set right after)."""
    data: dict[str, Any] = {"operationUrl": request.operation_url, "jobId": request.job_id}
    data["watcher"] = request.instance_id
    if not request.registered:
        data["answeredAt"] = request.started_at
    return data


@dataclass(frozen=True)
class PollDecision:
    state: WatchState
    view: WatchView
    delay_s: float  # until the next poll; meaningless when `view.is_final`


def after_poll(
    request: WatchRequest, state: WatchState, result: PollResult, started_at: datetime, now: datetime
) -> PollDecision:
    """Fold one poll's result into the state; say what to show and when to poll next."""
    params = state.params or ScheduleParams()
    if result.deferred:  # not this watcher's turn to read, and nothing new to show: wait for the next turn
        floor = max(params.floor_s, result.min_interval_s or 0.0)
        return PollDecision(state, view_for(request, state, started_at, now, "watching"), _paced(result, now, floor))
    polls = state.polls + (1 if result.read else 0)
    if not (result.ok and result.operation is not None):
        return _after_failed_poll(request, replace(state, polls=polls), result, params, started_at, now)
    operation = result.operation
    counted = replace(state, polls=polls)
    view = view_for(request, counted, started_at, now, phase_of(operation), operation=operation)
    digest = progress_digest(view)
    unchanged = 0 if digest != state.seen_digest else state.unchanged + 1
    step = operation.current_step
    running = step if step is not None and step.status is StepStatus.IN_PROGRESS else None
    step_key = (running.id or running.name) if running is not None else None
    since = parse_iso(state.step_since) if step_key is not None and step_key == state.step_key else None
    since = since or now
    evidence = Evidence(
        age_s=(now - started_at).total_seconds(),
        step_elapsed_s=(now - since).total_seconds() if running is not None else None,
        window=parse_time_frame(running.estimated_time_frame) if running is not None else None,
        progress=running.progress_percentage if running is not None else None,
        retry_after_s=result.retry_after_s,
        min_interval_s=result.min_interval_s,
    )
    delay = _paced(result, now, next_poll_delay(params, evidence))
    new_state = replace(
        counted,
        seen_digest=digest,
        unchanged=unchanged,
        errors=0,
        step_key=step_key,
        step_since=iso(since) if step_key is not None else None,
        last_operation=operation.to_json(),
    )
    return PollDecision(new_state, view, delay)


def _paced(result: PollResult, now: datetime, delay_s: float) -> float:
    """`delay_s`, or longer if the poll named a later earliest next read (a configure job's shared pace)."""
    allowed = parse_iso(result.next_read_at)
    return delay_s if allowed is None else max(delay_s, (allowed - now).total_seconds())


def _after_failed_poll(
    request: WatchRequest,
    state: WatchState,
    result: PollResult,
    params: ScheduleParams,
    started_at: datetime,
    now: datetime,
) -> PollDecision:
    errors = state.errors + 1
    state = replace(state, errors=errors)
    if result.transient and errors < MAX_CONSECUTIVE_ERRORS:
        delay = _paced(
            result, now, error_retry_delay(params, consecutive_errors=errors, retry_after_s=result.retry_after_s)
        )
        note = f"reading the operation failed ({errors} in a row), trying again: {result.error_message}"
        return PollDecision(state, view_for(request, state, started_at, now, "watching", error=note), delay)
    if result.transient:
        why = f"the operation could not be read {errors} times in a row. Last error: {result.error_message}"
    else:
        why = f"the operation can no longer be read. {result.error_message}"
    return PollDecision(state, view_for(request, state, started_at, now, "lost", error=why), 0.0)


# -- Slack -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlackDue:
    """Slack must be told: where, the news it will carry, and whether the thread hears about it.

    `thread`: a reply goes under the message; `previous_raw`: the status announced before, for a change.
    """

    channel: str
    ts: str | None
    digest: str
    status_key: str
    status_raw: str | None
    thread: bool
    previous_raw: str | None = None


def slack_due(request: WatchRequest, state: WatchState, view: WatchView) -> SlackDue | None:
    """None when Slack must not be called: no channel, Slack refused for good, nothing new, or nothing read yet.

    A thread reply goes with the update when the operation's status differs from the one last announced (the first
    status seen is the silent baseline: the channel message already says the cancel is under way), and at the end.
    The update itself is rendered by `poll_function.watch_slack`.
    """
    if request.slack is None or state.slack_error is not None:
        return None
    if view.operation is None and not view.is_final:
        return None
    digest = progress_digest(view)
    if digest == state.posted_digest:
        return None
    key = status_key(view)
    changed = state.announced_status is not None and key != state.announced_status
    raw = view.operation.raw_status if view.operation is not None else None
    return SlackDue(
        channel=request.slack.channel_id,
        ts=state.message_ts or request.slack.message_ts,
        digest=digest,
        status_key=key,
        status_raw=raw,
        thread=view.is_final or changed,
        previous_raw=None if view.is_final else state.announced_raw,
    )


@dataclass(frozen=True)
class SlackPlan:
    """One `update_slack` call to make, and what the state records once it succeeded."""

    update: SlackUpdate
    digest: str
    status_key: str
    status_raw: str | None


def after_slack(state: WatchState, plan: SlackPlan, result: SlackResult) -> WatchState:
    """Record a delivered update, or that Slack refused for good (the watch then goes on without Slack)."""
    if result.ok:
        return replace(
            state,
            posted_digest=plan.digest,
            announced_status=plan.status_key,
            announced_raw=plan.status_raw,
            message_ts=result.ts or state.message_ts,
        )
    return replace(state, slack_error=result.error or "slack_refused")


# -- stop and end --------------------------------------------------------------------------------------------------


def stopper(event_input: object) -> Requester:
    """Who raised the stop event. Accepts Requester JSON, `{"requester": {...}}`, `{"userId": ...}` or a name."""
    data: Any = event_input
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return Requester(display=data[:100] or "someone")
    if isinstance(data, Mapping):
        inner = data.get("requester") or data.get("by") or data.get("user")
        if isinstance(inner, Mapping):
            data = inner
        if any(data.get(k) for k in ("display", "userId", "caller")):
            return Requester.from_json(data)
        if isinstance(data.get("id"), str):
            return Requester(display=str(data.get("name") or data["id"]), user_id=data["id"])
    return Requester(display="someone")


def output(request: WatchRequest, state: WatchState, view: WatchView) -> dict[str, Any]:
    """The watcher's orchestration output: how it ended, for status queries and logs."""
    operation = view.operation
    return {
        "phase": view.phase,
        "watchInstanceId": request.instance_id,
        "operationUrl": request.operation_url,
        "operationStatus": operation.raw_status if operation else None,
        "polls": state.polls,
        "stoppedBy": view.stopped_by.to_json() if view.stopped_by else None,
        "error": view.error if view.is_final else None,
        "slackError": state.slack_error,
    }
