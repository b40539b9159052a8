"""The one "start the cancel once" service (`CancelStarter`), used by every entry point: Slack's Confirm, the webhook,
and any other chat; and the one durable-client port they all reach the Durable client through (`DurableClient`).

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

Pure apart from the calls on `DurableClient` (a blocking port: `durable_bridge.DurableBridge` over
the invocation's async client, in every entry point), and no Azure or chat import: the core, imported by whoever
needs it, and driven in tests with a dict.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cppcancel.contracts import CANCEL_ORCHESTRATOR, CancelRequest
from cppcancel.instances import InstanceStatus
from cppcancel.times import iso

log = logging.getLogger(__name__)


class DurableClient(Protocol):
    """The durable client as the entry points use it: blocking calls, each bounded by a timeout."""

    def status(self, instance_id: str) -> InstanceStatus | None:
        """The instance's status, or None when it does not exist."""
        ...

    def start(
        self, orchestrator: str, instance_id: str, payload: Mapping[str, Any], *, timeout_s: float | None = None
    ) -> str:
        """Start an orchestration; `timeout_s` shortens the wait (a start that times out may still happen)."""
        ...

    def raise_event(self, instance_id: str, event_name: str, data: Mapping[str, Any]) -> None: ...


# -- what `start_once` answers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    """This call started the cancel orchestration."""

    instance_id: str


@dataclass(frozen=True)
class AlreadyRequested:
    """The cancel orchestration exists already (a second click, a retried delivery, or a lost start race).

    `after_refused_start`: found only because this call's own start was refused (someone else won the race).
    """

    status: InstanceStatus
    after_refused_start: bool = False

    @property
    def request(self) -> CancelRequest | None:
        """The request that started it, when its input can be read."""
        return self.status.cancel_request()

    @property
    def by_user_id(self) -> str | None:
        """The Slack user who requested it (None for a webhook caller, or when the input cannot be read)."""
        request = self.request
        return request.requester.user_id if request else None

    @property
    def at(self) -> str | None:
        """When it was requested: the request's own time, else when the instance was created."""
        request = self.request
        created = self.status.created_at
        return (request.requested_at if request else None) or (iso(created, "seconds") if created else None)


@dataclass(frozen=True)
class StatusUnreadable:
    """Whether the orchestration exists could not be read: nothing was (or will be) started (fail closed)."""

    instance_id: str
    error: Exception
    after_refused_start: bool = False


@dataclass(frozen=True)
class NotStarted:
    """The start was refused and no instance exists: the cancel was not started."""

    instance_id: str
    error: Exception


Found = AlreadyRequested | StatusUnreadable
StartResult = Started | AlreadyRequested | StatusUnreadable | NotStarted


class CancelStarter:
    """`find` and `start_once` over one invocation's durable client."""

    def __init__(self, durable: DurableClient) -> None:
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
        return self.start_unless_found(self.find(instance_id), instance_id, request)

    def start_unless_found(self, found: Found | None, instance_id: str, request: CancelRequest) -> StartResult:
        """`start_once` when the caller has just looked (`find`): what it found, else the start."""
        if found is not None:
            return found
        try:
            self._durable.start(CANCEL_ORCHESTRATOR, instance_id, request.to_json())
        except Exception as exc:
            why, ref = type(exc).__name__, request.correlation_id
            log.info("start of %s refused (%s), checking it (ref %s)", instance_id, why, ref)
            return self.find(instance_id, after_refused_start=True) or NotStarted(instance_id, exc)
        return Started(instance_id)
