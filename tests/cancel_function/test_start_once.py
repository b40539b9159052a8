"""The one start-the-cancel-once service, driven through its port: start once, read back, fail closed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from cppcancel.contracts import CANCEL_ORCHESTRATOR, CancelRequest, Requester
from cppcancel.instances import InstanceStatus
from cppcancel.start_cancel import AlreadyRequested, CancelStarter, NotStarted, Started, StatusUnreadable
from cppcancel.targets import PublishTarget

CREATED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
REQUEST = CancelRequest(
    request_id="a" * 32,
    source="slack",
    target=PublishTarget("contoso", "vm"),
    requester=Requester(display="alice", user_id="U0ALICE"),
    correlation_id="ref1",
    requested_at="2026-11-25T10:00:05Z",
)
ID = REQUEST.instance_id


class Durable:
    """Instances in a dict. `refuse`: every start fails (`break_on_refusal`: and the status is unreadable after it);
    `broken`: every status read fails; `racer`: someone else's start lands just before ours."""

    def __init__(
        self, *, refuse: bool = False, broken: bool = False, racer: Any = None, break_on_refusal: bool = False
    ) -> None:
        self.instances: dict[str, Any] = {}
        self.starts: list[str] = []
        self.refuse, self.broken, self.racer, self.break_on_refusal = refuse, broken, racer, break_on_refusal

    def status(self, instance_id: str) -> InstanceStatus | None:
        if self.broken:
            raise TimeoutError("the durable client did not answer")
        if instance_id not in self.instances:
            return None
        return InstanceStatus(instance_id, "Running", created_at=CREATED, input=self.instances[instance_id])

    def start(self, orchestrator: str, instance_id: str, payload: Mapping[str, Any]) -> str:
        assert orchestrator == CANCEL_ORCHESTRATOR
        self.starts.append(instance_id)
        if self.racer is not None:
            self.instances[instance_id] = self.racer
        if self.refuse or self.racer is not None:
            self.broken = self.break_on_refusal
            raise RuntimeError("an instance with this ID is already running")
        self.instances[instance_id] = dict(payload)
        return instance_id


def test_a_new_confirmation_is_started_once() -> None:
    durable = Durable()
    assert CancelStarter(durable).start_once(ID, REQUEST) == Started(ID)
    assert durable.instances[ID] == REQUEST.to_json()
    again = CancelStarter(durable).start_once(ID, REQUEST)
    assert isinstance(again, AlreadyRequested) and not again.after_refused_start
    assert durable.starts == [ID]


def test_an_existing_instance_says_who_requested_it_and_when() -> None:
    durable = Durable()
    durable.instances[ID] = json.dumps(REQUEST.to_json())  # some hosts hand the input back as JSON text
    found = CancelStarter(durable).start_once(ID, REQUEST)
    assert isinstance(found, AlreadyRequested)
    assert (found.by_user_id, found.at, found.request) == ("U0ALICE", "2026-11-25T10:00:05Z", REQUEST)
    assert durable.starts == []


def test_an_unreadable_input_still_says_when_it_was_created() -> None:
    durable = Durable()
    durable.instances[ID] = "not json"
    found = CancelStarter(durable).find(ID)
    assert isinstance(found, AlreadyRequested)
    assert (found.by_user_id, found.at, found.request) == (None, "2026-11-25T10:00:00Z", None)


def test_a_status_that_cannot_be_read_starts_nothing() -> None:
    durable = Durable(broken=True)
    result = CancelStarter(durable).start_once(ID, REQUEST)
    assert isinstance(result, StatusUnreadable) and not result.after_refused_start
    assert isinstance(result.error, TimeoutError)
    assert durable.starts == []


def test_a_lost_start_race_is_read_back_as_already_requested() -> None:
    first = {**REQUEST.to_json(), "requester": {"display": "bob", "userId": "U0BOB"}}
    result = CancelStarter(Durable(racer=first)).start_once(ID, REQUEST)
    assert isinstance(result, AlreadyRequested) and result.after_refused_start
    assert result.by_user_id == "U0BOB"


@pytest.mark.parametrize("break_on_refusal", [False, True])
def test_a_refused_start_with_no_instance_is_not_started(break_on_refusal: bool) -> None:
    durable = Durable(refuse=True, break_on_refusal=break_on_refusal)
    result = CancelStarter(durable).start_once(ID, REQUEST)
    if break_on_refusal:  # fail closed: unknown is never taken for absent
        assert isinstance(result, StatusUnreadable) and result.after_refused_start
    else:
        assert isinstance(result, NotStarted) and isinstance(result.error, RuntimeError)
    assert durable.instances == {} and durable.starts == [ID]
