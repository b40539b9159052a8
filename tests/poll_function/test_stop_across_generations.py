"""A "Stop watching" that reaches the watcher in the very dispatch that ends a generation (continue_as_new).

azure-functions-durable 1.x cannot carry unprocessed external events into the next generation (SDK issue #331), so
that one stop is lost. The app's answer (watch_orchestrator's docstring): generations end only after a timer fired,
every WATCH_POLLS_PER_GENERATION polls (40 by default, hours apart); a lost stop leaves the channel message showing
"Stop watching", the person clicks again, and the next generation's one wait task takes it. This pins both halves:
the loss (so that an SDK upgrade that fixes it is noticed) and the recovery.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cppcancel.contracts import STOP_WATCH_EVENT, Requester
from cppcancel.schedule import ScheduleParams
from devhost.durable.replay import OrchestratorFn
from poll_function.names import LOAD_WATCH_PARAMS, POLL_OPERATION, UPDATE_SLACK
from tests.conftest import BOB
from tests.poll_function.conftest import MESSAGE_TS, watch_request
from tests.poll_function.operations import cancel_operation
from tests.poll_function.stepper import Stepper

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
RUNNING = {"ok": True, "operation": cancel_operation("running", ("inProgress", 50)), "retryAfterS": None}
BOB_STOPS = Requester(display="bob", user_id=BOB).to_json()


def test_a_stop_lost_at_a_generation_boundary_is_taken_when_clicked_again(watch_fn: OrchestratorFn) -> None:
    request = watch_request()
    s = Stepper(watch_fn, "watch_operation", request.to_json(), T0, request.instance_id)
    s.complete(
        ScheduleParams(initial_s=15, cap_s=300, timeout_s=86400, polls_per_generation=1).to_json(), LOAD_WATCH_PARAMS
    )
    s.complete(RUNNING, POLL_OPERATION)
    s.complete({"ok": True, "ts": MESSAGE_TS}, UPDATE_SLACK)

    # The timer that ends the generation fires, and the stop arrives in the same dispatch.
    [timer] = s.turn.timers
    s.now = timer.fire_at
    s.orch.fire_timer(timer.task_id, s.now)
    s.orch.raise_event(STOP_WATCH_EVENT, json.dumps(BOB_STOPS), s.now)
    s._run()
    assert s.turn.continue_as_new, "the timer won the race: the generation ends"

    s._run()  # the next generation: it polls again, and has not seen the stop (#331)
    s.complete(RUNNING, POLL_OPERATION)
    assert not s.turn.done and s.turn.waiting_for == [STOP_WATCH_EVENT], "the first stop was lost"

    s.raise_event(STOP_WATCH_EVENT, BOB_STOPS, after_s=5)  # the button is still there: Bob clicks again
    _, final = s.activity(UPDATE_SLACK)
    assert "<@U0BOB> stopped watching" in final["threadText"]
    s.complete({"ok": True, "ts": MESSAGE_TS})
    s.end()
    assert s.turn.done and s.turn.output["phase"] == "stopped"
