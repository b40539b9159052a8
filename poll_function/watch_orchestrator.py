"""The watcher (`watch_operation`): follow one CPP operation on durable timers and keep its Slack message current.

A Product Ingestion configure job (`WatchRequest.job_id`) is watched the same way: only the poll differs (`poll_job`
reads `configure/{jobId}/status` and hands back the job as an `Operation`), until `jobStatus` is `completed`. A job
is read at most once a minute whoever watches it (its registration's watcher and a cancel's share the pace through
the record store, and a cancel's watcher counts from the cancel's own answer): when it is not this watcher's turn,
`poll_job` hands back what the latest read got, or nothing new, and when the next read may be.

Monitor pattern, one generation at a time:

    [load_watch_params]  (first generation only)
    loop: poll_operation -> decide (pure, `watch_logic`) -> [update_slack] -> timer  vs  stop event
          ... until the operation ends, the stop event wins, the deadline passes, or the generation is full
          (WATCH_POLLS_PER_GENERATION polls -> continue_as_new with `WatchRequest.state`).

Determinism: time only from `context.current_utc_datetime`; every decision is a pure function in `watch_logic`.
Settings are environment reads, so the orchestrator never reads them: the `load_watch_params` activity reads them
once, its answer is in the history (so replays see the same values), and the state carries them across
continue_as_new. A watch therefore keeps the schedule it started with even if the app settings change meanwhile.

Retry policy:
- `poll_operation` returns CPP errors as values. Transient ones (5xx, 429, timeouts, connection errors) and a crashed
  activity are backed off on a durable timer (`error_retry_delay`, honouring the API's Retry-After); after
  `MAX_CONSECUTIVE_ERRORS` in a row, or at once for a permanent error, the watch ends with a clear message. A
  call_activity_with_retry would not do here: its fixed intervals cannot honour a Retry-After.
- `update_slack` runs under call_activity_with_retry for transient Slack failures (it raises on those), returns
  `ratelimited` with Retry-After as a value so that the wait happens on a durable timer rather than in a worker, and
  returns permanent refusals (channel gone, bot removed) as values: the watch then goes on without Slack (the custom
  status still shows progress). An update that still failed is retried at the next poll (its digest was not
  recorded as posted).

The stop event, and two SDK pitfalls:
- One `wait_for_external_event(STOP_WATCH_EVENT)` task serves the whole generation and is raced against each timer.
  A fresh wait task per loop turn looks natural but loses events: azure-functions-durable 1.x keeps the earlier,
  unfinished wait tasks registered, and an event that arrives while no race is pending (during a poll or a Slack
  update) is handed to one of those stale tasks and never seen (demonstrated in tests/poll_function).
- continue_as_new in 1.x drops events not yet processed (SDK issue #331). The only events at risk are those that
  reach the instance in the very dispatch that ends a generation; a generation ends right after a timer fired, once
  every WATCH_POLLS_PER_GENERATION polls (40 by default: hours apart). A stop lost there leaves the message still
  showing "Stop watching", so the person sees it was not taken and clicks again; the Slack handler's raise is
  idempotent from the watcher's point of view (the first stop ends the watch; raising to a finished instance is
  answered 410 Gone, which the handler treats as "already ended"). The custom status's `phase` is the durable mark a
  handler can check: anything but `watching` means the watch is over.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from cppcancel.contracts import STOP_WATCH_EVENT, Requester, WatchRequest
from cppcancel.error_info import ErrorInfo
from cppcancel.schedule import ScheduleParams
from durable_registration import OrchestrationContext, retry_options
from poll_function.names import LOAD_WATCH_PARAMS, POLL_JOB, POLL_OPERATION, RECORD_WATCH_END, UPDATE_SLACK
from poll_function.payloads import PollResult, SlackResult, load
from poll_function.watch_logic import (
    MAX_RATELIMIT_WAITS,
    MAX_SLACK_WAIT_S,
    after_poll,
    after_slack,
    begin,
    deadline_of,
    job_poll_input,
    output,
    stopper,
    view_for,
    with_params,
)
from poll_function.watch_slack import plan_slack
from poll_function.watch_state import WatchState
from poll_function.watch_view import Phase, WatchView, custom_status

# Transient Slack failures (5xx, dropped connections): three attempts, 2 s apart, on durable timers.
SLACK_RETRY = retry_options(2000, 3)

Steps = Generator[Any, Any, Any]


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load_params(context: OrchestrationContext) -> Generator[Any, Any, ScheduleParams]:
    try:
        raw = yield context.call_activity(LOAD_WATCH_PARAMS, None)
        return ScheduleParams.from_json(raw)
    except Exception:
        # Unreadable settings must not kill the watch: the documented defaults are a safe schedule.
        return ScheduleParams()


def _poll(context: OrchestrationContext, request: WatchRequest) -> Generator[Any, Any, PollResult]:
    try:
        if request.job_id:  # a configure job: its status, read from the Product Ingestion API at the job's pace
            raw = yield context.call_activity(POLL_JOB, job_poll_input(request))
        else:
            raw = yield context.call_activity(POLL_OPERATION, {"operationUrl": request.operation_url})
    except Exception as exc:
        failed = ErrorInfo("activity_failed", f"The poll activity failed: {_short(exc)}", transient=True)
        return PollResult(False, error=failed)
    return PollResult.from_json(raw)


def _publish(
    context: OrchestrationContext, request: WatchRequest, state: WatchState, view: WatchView
) -> Generator[Any, Any, WatchState]:
    """Mirror the view in the custom status; update Slack only if the news changed."""
    context.set_custom_status(custom_status(view))
    plan = plan_slack(request, state, view)
    if plan is None:
        return state
    waits, posted_new = 0, False
    while True:
        try:
            raw = yield context.call_activity_with_retry(UPDATE_SLACK, SLACK_RETRY, plan.update.to_json())
        except Exception:
            return state  # retries exhausted: not recorded as posted, so the next poll tries again
        result = SlackResult.from_json(raw)
        if result.ts and result.ts != plan.update.ts:  # a new main message was posted: address that one from now on
            plan = replace(plan, update=replace(plan.update, ts=result.ts))
        if result.thread_pending and not posted_new:
            posted_new = True
            continue  # the new message's ts is in the history; its thread reply is a post of its own
        if not result.rate_limited:
            return after_slack(state, plan, result)
        wait = min(result.retry_after_s or 1.0, MAX_SLACK_WAIT_S)
        yield context.create_timer(context.current_utc_datetime + timedelta(seconds=wait))
        waits += 1
        if waits > MAX_RATELIMIT_WAITS:
            return state


def _end(
    context: OrchestrationContext,
    request: WatchRequest,
    state: WatchState,
    view: WatchView,
    error_code: str | None = None,
) -> Generator[Any, Any, dict[str, Any]]:
    """The watch's output, after leaving an audit record of how it ended (a failed record never fails the watch).
    `error_code`: the code of the read that ended a lost watch (`not_found`: the API does not know the operation)."""
    ending = output(request, state, view)
    if error_code and view.phase == "lost":
        ending["errorCode"] = error_code  # only lost watches carry it: recorded histories of other endings unchanged
    with contextlib.suppress(Exception):  # the activity logs its own failure; the watch's outcome stands
        yield context.call_activity(RECORD_WATCH_END, {"request": request.to_json(), "ending": ending})
    return ending


def _finish(
    context: OrchestrationContext,
    request: WatchRequest,
    state: WatchState,
    started_at: datetime,
    phase: Phase,
    stopped_by: Requester | None = None,
) -> Generator[Any, Any, dict[str, Any]]:
    view = view_for(request, state, started_at, context.current_utc_datetime, phase, stopped_by=stopped_by)
    state = yield from _publish(context, request, state, view)
    return (yield from _end(context, request, state, view))


def watch_operation(context: OrchestrationContext) -> Steps:
    """Input: `WatchRequest` JSON. Output: how the watch ended (`watch_logic.output`)."""
    request = WatchRequest.from_json(load(context.get_input()))
    state = WatchState.from_json(request.state)
    request, started_at = begin(request, state, context.current_utc_datetime)
    stop = context.wait_for_external_event(STOP_WATCH_EVENT)  # one per generation: see the module docstring
    if state.params is None:
        params = yield from _load_params(context)
        state = with_params(state, params, started_at)
    params = state.params or ScheduleParams()
    deadline = deadline_of(state, started_at)
    polls_here = 0
    while True:
        result = yield from _poll(context, request)
        now = context.current_utc_datetime
        decision = after_poll(request, state, result, started_at, now)
        state = yield from _publish(context, request, decision.state, decision.view)
        if decision.view.is_final:
            code = None if result.ok else result.error.code
            return (yield from _end(context, request, state, decision.view, code))
        polls_here += 1
        fire_at = min(now + timedelta(seconds=decision.delay_s), deadline)
        if fire_at > now:
            timer = context.create_timer(fire_at)
            winner = yield context.task_any([timer, stop])
            if winner is stop:
                timer.cancel()
                return (yield from _finish(context, request, state, started_at, "stopped", stopper(stop.result)))
        if context.current_utc_datetime >= deadline:
            return (yield from _finish(context, request, state, started_at, "timed_out"))
        if polls_here >= params.polls_per_generation:
            carried = replace(state, generation=state.generation + 1)
            context.continue_as_new(request.with_state(carried.to_json()).to_json())
            return None
