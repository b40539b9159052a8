"""The typed view of a durable instance's status, read once from the SDK's untyped object."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from cppcancel.instances import InstanceStatus

CREATED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class Runtime(enum.Enum):
    RUNNING = "Running"


class SdkStatus:
    """The shape of azure.durable_functions' DurableOrchestrationStatus (falsy when the instance is unknown)."""

    def __init__(self, found: bool = True, **fields: Any) -> None:
        self._found = found
        self.__dict__.update(fields)

    def __bool__(self) -> bool:
        return self._found


def test_the_sdk_status_is_read_into_typed_fields() -> None:
    raw = SdkStatus(
        runtime_status=Runtime.RUNNING,
        created_time=CREATED,
        last_updated_time=CREATED,
        input_='{"a": 1}',
        custom_status={"phase": "watching"},
        output=None,
    )
    status = InstanceStatus.from_client("cancel-1", raw)
    assert status == InstanceStatus("cancel-1", "Running", CREATED, CREATED, '{"a": 1}', {"phase": "watching"}, None)
    assert status.is_running and not status.is_finished
    assert status.input_json() == {"a": 1}
    assert status.cancel_request() is None  # an object, but not a cancel request


def test_an_unknown_instance_is_none_and_missing_fields_are_none() -> None:
    assert InstanceStatus.from_client("x", SdkStatus(found=False)) is None
    assert InstanceStatus.from_client("x", None) is None
    bare = InstanceStatus.from_client("x", SdkStatus(runtime_status="Completed"))
    assert bare == InstanceStatus("x", "Completed")
    assert bare.is_finished and not bare.is_running
