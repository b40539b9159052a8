"""The CPP emulator's modes: documented behaviour only (what the app's safety tests run against), and a reset that
isolates one test from a request an earlier one left in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from backends.cpp.client import CppClient
from backends.http import errors
from backends.http.operation import OperationStatus
from devhost.standins.cpp import EmulatorServer, Fault, ManualClock
from tests.backends.cpp.conftest import make_client
from tests.devhost.standins.emulator_helpers import VM, beyond_docs, first_publish, url_of_publish


@pytest.fixture
def documented(clock: ManualClock) -> Iterator[tuple[EmulatorServer, CppClient]]:
    """An emulator in documented-behaviour mode: nothing beyond what Microsoft's pages show."""
    with EmulatorServer(step_seconds=1.0, clock=clock, beyond_docs=False) as server:
        cpp = make_client(server)
        yield server, cpp
        cpp.close()


def test_documented_mode_never_says_a_cancel_is_under_way(documented: tuple[EmulatorServer, CppClient]) -> None:
    emulator, client = documented
    publish_url = url_of_publish(emulator, first_publish(client))
    cancel = client.cancel(*VM)
    assert cancel.operation_url is not None
    for _ in range(3):  # before, during and after the cancel: only ever the one documented value
        assert client.get_operation(publish_url).cancellation_request_state == "canCancel"
        assert not client.get_operation(publish_url).cancel_under_way
        emulator.advance(1.0)
    emulator.advance(10.0)
    assert client.get_operation(publish_url).status is OperationStatus.CANCELED  # the cancel still works
    assert client.get_operation(publish_url).cancellation_request_state == "canCancel"


def test_documented_mode_answers_every_cancel_post_with_an_operation_of_its_own(
    documented: tuple[EmulatorServer, CppClient],
) -> None:
    """No source says a second POST finds the running cancel: each one is a cancel of its own."""
    emulator, client = documented
    first = client.cancel(*VM)
    second = client.cancel(*VM)
    assert first.operation_url and second.operation_url and first.operation_url != second.operation_url
    assert emulator.cancel_count() == 2


def test_a_request_held_across_a_reset_never_acts_on_the_fresh_state(
    client: CppClient, emulator: EmulatorServer
) -> None:
    """Test isolation: a cancel POST an earlier test left held in a latency fault must not land in the next test's
    state (it did, and a later test found a cancel "already under way" that it never sent)."""
    beyond_docs(emulator)  # so that a cancel landing in the fresh state would show as "under way"
    emulator.add_fault(Fault(method="POST", path="/cancel", latency_s=0.5))
    failures: list[BaseException] = []

    def post() -> None:
        try:
            make_client(emulator, timeout=(1.0, 3.0), max_retries=0).cancel(*VM)
        except errors.ApiError as exc:
            failures.append(exc)

    sender = threading.Thread(target=post)
    sender.start()
    deadline = time.monotonic() + 5
    while not emulator.requests and time.monotonic() < deadline:
        time.sleep(0.01)  # polling for the POST's arrival (not for its outcome)
    emulator.reset()
    sender.join(5)
    assert failures and isinstance(failures[0], errors.ApiConnectionError), failures
    assert emulator.requests == []
    assert not client.get_operation(url_of_publish(emulator, first_publish(client))).cancel_under_way
    assert all(op.raw_status != "canceled" for op in client.list_operations(*VM))
