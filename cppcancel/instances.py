"""A durable orchestration instance as the app reads it back: one typed view of the Durable client's status.

The Durable SDK hands back a `DurableOrchestrationStatus` whose fields are untyped (the runtime status an enum or a
string, the input an object or its JSON text, depending on the host). `InstanceStatus.from_client` reads it once,
at the edge; the Slack listeners, the webhook and the start-once service (`cppcancel.start_cancel`) then only see
this frozen dataclass. Pure: no Azure import (the SDK object is read by attribute).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cppcancel.contracts import CancelRequest
from cppcancel.jsonread import json_object

# Runtime statuses of an instance that is still live: a start with the same ID is refused while it is in one.
RUNNING_STATES = frozenset({"Pending", "Running", "ContinuedAsNew"})
# Runtime statuses of an instance that has ended (raising an event on it can no longer change anything).
FINISHED_STATES = frozenset({"Completed", "Failed", "Terminated", "Canceled"})


def _moment(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


@dataclass(frozen=True)
class InstanceStatus:
    """What the app needs of one instance's status (found instances only: "not found" is None)."""

    instance_id: str
    runtime_status: str | None
    created_at: datetime | None = None
    last_updated_at: datetime | None = None
    input: Any = None  # the orchestration input, decoded or as JSON text
    custom_status: Any = None
    output: Any = None

    @classmethod
    def from_client(cls, instance_id: str, status: Any) -> InstanceStatus | None:
        """The SDK's status object (falsy when the instance does not exist) as a typed view, or None."""
        if not status:
            return None
        runtime = getattr(status, "runtime_status", None)
        runtime = getattr(runtime, "value", runtime)
        return cls(
            instance_id=instance_id,
            runtime_status=str(runtime) if runtime else None,
            created_at=_moment(getattr(status, "created_time", None)),
            last_updated_at=_moment(getattr(status, "last_updated_time", None)),
            input=getattr(status, "input_", None),
            custom_status=getattr(status, "custom_status", None),
            output=getattr(status, "output", None),
        )

    @property
    def is_running(self) -> bool:
        return self.runtime_status in RUNNING_STATES

    @property
    def is_finished(self) -> bool:
        return self.runtime_status in FINISHED_STATES

    def input_json(self) -> dict[str, Any]:
        """The input as a JSON object; ValueError when it is not one."""
        return json_object(self.input)

    def cancel_request(self) -> CancelRequest | None:
        """The input of a cancel orchestration, or None when it cannot be read as one."""
        try:
            return CancelRequest.from_json(self.input_json())
        except (KeyError, TypeError, ValueError):
            return None
