"""What a CPP error tells its readers beyond its message: may the cancel have been carried out (`outcomeUnknown`),
and may reading again help (`transient`, for a body that is not JSON at all)."""

from __future__ import annotations

import pytest

from backends.cpp.client import CppClient
from backends.http import errors
from backends.http.operation import Operation
from backends.http.tokens import StaticTokenProvider
from devhost.standins.cpp import EmulatorServer, Fault
from tests.backends.cpp.conftest import closed_port, make_client

VM = ("contoso", "contoso-vm-offer")


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(method="POST", status=503), errors.ServerError),
        (Fault(method="POST", latency_s=0.6), errors.ApiTimeout),
        (Fault(method="POST", reset=True), errors.ApiConnectionError),
    ],
    ids=["5xx", "read-timeout", "dropped"],
)
def test_a_cancel_that_may_have_been_carried_out_says_so(emulator: EmulatorServer, fault: Fault, kind: type) -> None:
    client = make_client(emulator, timeout=(1.0, 0.3))
    emulator.add_fault(fault)
    with pytest.raises(kind) as info:
        client.cancel(*VM)
    assert info.value.outcome_unknown is True and info.value.to_json()["outcomeUnknown"] is True
    assert emulator.cancel_count() == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault(method="POST", status=429, retry_after="5"),
        Fault(method="POST", status=409),
        Fault(method="GET", status=503),
    ],
    ids=["throttled", "refused", "a-read"],
)
def test_answers_that_say_nothing_was_done_do_not_claim_an_unknown_outcome(
    client: CppClient, emulator: EmulatorServer, fault: Fault
) -> None:
    emulator.add_fault(fault if fault.method == "POST" else Fault(method="GET", status=503, times=None))
    with pytest.raises(errors.ApiError) as info:
        client.cancel(*VM) if fault.method == "POST" else client.list_operations(*VM)
    assert info.value.outcome_unknown is False


def test_a_cancel_that_could_not_connect_sent_nothing() -> None:
    sock, port = closed_port()
    try:
        client = CppClient(f"http://127.0.0.1:{port}", make_token(), max_retries=0)
        with pytest.raises(errors.ApiConnectionError) as info:
            client.cancel(*VM)
    finally:
        sock.close()
    assert info.value.outcome_unknown is False and "nothing was sent" in info.value.message


def make_token() -> StaticTokenProvider:
    return StaticTokenProvider("t")


def test_a_body_that_is_not_json_is_worth_reading_again(client: CppClient, emulator: EmulatorServer) -> None:
    url = client.cancel(*VM).operation_url
    assert url is not None
    emulator.add_fault(Fault(method="GET", malformed_json=True))
    with pytest.raises(errors.MalformedResponse) as info:
        client.get_operation(url)
    assert isinstance(info.value, errors.InvalidResponse) and info.value.code == "invalid_response"
    assert info.value.transient is True
    assert client.get_operation(url).id  # and it was


def test_a_body_of_the_wrong_shape_is_not(client: CppClient, emulator: EmulatorServer) -> None:
    url = client.cancel(*VM).operation_url
    assert url is not None
    emulator.add_fault(Fault(method="GET", status=200, body="[42]"))
    with pytest.raises(errors.InvalidResponse) as info:
        client.get_operation(url)
    assert not isinstance(info.value, errors.MalformedResponse) and info.value.transient is False


@pytest.mark.parametrize(
    ("state", "under_way"),
    [
        ("cancelRequested", True),
        ("CancelRequested", True),
        ("cancel_in_progress", True),
        ("canceling", True),
        ("canCancel", False),
        ("cannotCancel", False),
        (None, False),
        (7, False),
    ],
)
def test_cancel_under_way_reads_the_cancellation_request_state(state: object, under_way: bool) -> None:
    assert (
        Operation.from_json({"id": "x", "status": "running", "cancellationRequestState": state}).cancel_under_way
        is under_way
    )
