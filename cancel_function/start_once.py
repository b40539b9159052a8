"""The one "start the cancel once" service, used by Slack's Confirm and by the webhook.

A cancel orchestration runs under a deterministic instance ID (`cppcancel.contracts.cancel_instance_id`: from the
confirmation's request ID, or from the webhook caller and its `webhook-id`), so starting it is idempotent by
construction - as long as every entry point asks the same way:

1. read the instance's status: if it exists, say who requested it and when (`AlreadyRequested`) and start nothing;
2. otherwise start it; any failed start is read back the same way, because a refusal cannot be told from other
   failures (the extension's default overridableExistingInstanceStates, NonRunningStates, refuses a start of an ID
   that is Pending, Running, ContinuedAsNew or Suspended, and the client sees an HTTP 500; the dev host answers
   alike): someone else won the race (`AlreadyRequested`), or it really could not be started (`NotStarted`);
3. when the status cannot be read, nothing is started (`StatusUnreadable`): fail closed. NonRunningStates refuses a
   second start only while an instance is live - a finished one would be replaced and the cancel sent again, so
   "unknown" must never be taken for "absent".

Pure apart from the two calls on `DurableStarter` (a blocking port: `slack_app.durable_port.DurableBridge` in both
entry points), and no Azure or Slack import, so the Slack listeners get it injected through the request context and
tests can drive it with a dict. The answer types live in `cppcancel.instances`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from cppcancel.contracts import CANCEL_ORCHESTRATOR, CancelRequest
from cppcancel.instances import (
    AlreadyRequested,
    Found,
    InstanceStatus,
    NotStarted,
    Started,
    StartResult,
    StatusUnreadable,
)

log = logging.getLogger(__name__)


class DurableStarter(Protocol):
    """The two durable-client calls the service needs (blocking)."""

    def status(self, instance_id: str) -> InstanceStatus | None: ...

    def start(self, orchestrator: str, instance_id: str, payload: Mapping[str, Any]) -> str: ...


class StartOnce:
    """`find` and `start_once` over one invocation's durable client."""

    def __init__(self, durable: DurableStarter) -> None:
        self._durable = durable

    def find(self, instance_id: str, *, after_refused_start: bool = False) -> Found | None:
        """The cancel orchestration under `instance_id`, if it exists; StatusUnreadable when that is unknown."""
        try:
            existing = self._durable.status(instance_id)
        except Exception as exc:
            return StatusUnreadable(instance_id, exc, after_refused_start)
        return AlreadyRequested(existing, after_refused_start) if existing is not None else None

    def start_once(self, instance_id: str, request: CancelRequest) -> StartResult:
        """Start the cancel orchestration for `request` unless it exists already (see the module docstring)."""
        found = self.find(instance_id)
        if found is not None:
            return found
        try:
            self._durable.start(CANCEL_ORCHESTRATOR, instance_id, request.to_json())
        except Exception as exc:
            why, ref = type(exc).__name__, request.correlation_id
            log.info("start of %s refused (%s), checking it (ref %s)", instance_id, why, ref)
            return self.find(instance_id, after_refused_start=True) or NotStarted(instance_id, exc)
        return Started(instance_id)
