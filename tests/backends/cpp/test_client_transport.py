"""Retries, Retry-After, timeouts and connection failures - and above all: the cancel is never sent twice.

Real sleeps are kept short (one Retry-After of 1 s; read timeouts of 0.3 s).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, TypeVar

import pytest

from backends.cpp.client import CppClient
from backends.http import errors
from backends.http.tokens import StaticTokenProvider
from devhost.standins.cpp import EmulatorServer, Fault
from tests.backends.cpp.conftest import closed_port, make_client

VM = ("contoso", "contoso-vm-offer")
E = TypeVar("E", bound=errors.ApiError)


def _gets(emulator: EmulatorServer) -> int:
    return sum(1 for r in emulator.requests if r.method == "GET")


def _client_through(emulator: EmulatorServer, *faults: Fault, **client_options: Any) -> CppClient:
    """A client of `emulator` (`make_client` with these options), whose next answers go through `faults`."""
    client = make_client(emulator, **client_options)
    for fault in faults:
        emulator.add_fault(fault)
    return client


def _listed(client: CppClient) -> int:
    """How many operations the VM offer's list shows (2 when the request got through)."""
    return len(client.list_operations(*VM))


def _listing_error(client: CppClient, expected: type[E]) -> E:
    """The error listing the VM offer's operations raises; it must be an `expected`."""
    with pytest.raises(expected) as info:
        client.list_operations(*VM)
    return info.value


def _cancel_error(client: CppClient, expected: type[E]) -> E:
    """The error cancelling the VM offer's publish raises; it must be an `expected`."""
    with pytest.raises(expected) as info:
        client.cancel(*VM)
    return info.value


# -- GET: retried ------------------------------------------------------------------------------------------------


def test_get_retries_5xx_bursts_then_succeeds(emulator: EmulatorServer) -> None:
    bursts = (Fault(method="GET", status=503, times=2), Fault(method="GET", status=500, times=1))
    client = _client_through(emulator, *bursts, max_retries=3)
    assert _listed(client) == 2
    assert _gets(emulator) == 4


def test_get_gives_up_after_max_retries(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="GET", status=502, times=None), max_retries=2)
    assert _listing_error(client, errors.ServerError).status_code == 502
    assert _gets(emulator) == 3


def test_get_honours_a_short_retry_after(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="GET", status=429, retry_after="1"), max_retries=2)
    started = time.monotonic()
    assert _listed(client) == 2
    assert time.monotonic() - started >= 0.9
    assert _gets(emulator) == 2


def test_a_long_retry_after_is_raised_for_a_durable_timer(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="GET", status=429, retry_after="120", times=None), max_retries=4)
    started = time.monotonic()
    error = _listing_error(client, errors.Throttled)
    assert time.monotonic() - started < 1.0
    assert error.retry_after_s == 120.0
    assert "in 120 s" in error.message
    assert _gets(emulator) == 1


def test_a_long_retry_after_on_503_is_raised_too(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="GET", status=503, retry_after="45"), max_retries=4)
    assert _listing_error(client, errors.ServerError).retry_after_s == 45.0
    assert _gets(emulator) == 1


def test_the_cap_is_configurable(emulator: EmulatorServer) -> None:
    short = Fault(method="GET", status=429, retry_after="1")
    client = _client_through(emulator, short, max_retries=2, max_retry_after_s=0.5)
    _listing_error(client, errors.Throttled)
    assert _gets(emulator) == 1


def test_an_unreadable_retry_after_falls_back_to_backoff(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="GET", status=429, retry_after="soon"), max_retries=2)
    assert _listed(client) == 2
    assert _gets(emulator) == 2


def test_throttled_without_retry_after_after_retries(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="GET", status=429, times=None), max_retries=1)
    error = _listing_error(client, errors.Throttled)
    assert error.retry_after_s is None
    assert "later" in error.message
    assert _gets(emulator) == 2


def test_get_read_timeout_is_retried(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="GET", latency_s=1.0), timeout=(1.0, 0.3), max_retries=2)
    assert _listed(client) == 2
    assert _gets(emulator) == 2


def test_get_read_timeout_every_time_raises_cpp_timeout(emulator: EmulatorServer) -> None:
    slow = Fault(method="GET", latency_s=1.0, times=None)
    client = _client_through(emulator, slow, timeout=(1.0, 0.3), max_retries=1)
    error = _listing_error(client, errors.ApiTimeout)
    assert "0.3 s" in error.message
    assert "may or may not" not in error.message  # a read has no outcome to worry about
    assert _gets(emulator) == 2


def test_get_connection_reset_is_retried(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="GET", reset=True))
    assert _listed(client) == 2
    assert _gets(emulator) == 2


# -- POST: only retried when it provably never left ---------------------------------------------------------------


def test_post_is_not_retried_on_5xx(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="POST", status=503, times=None), max_retries=4)
    _cancel_error(client, errors.ServerError)
    assert emulator.cancel_count() == 1


def test_post_is_not_retried_on_429_even_with_a_short_retry_after(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="POST", status=429, retry_after="1"), max_retries=4)
    assert _cancel_error(client, errors.Throttled).retry_after_s == 1.0
    assert emulator.cancel_count() == 1


def test_post_read_timeout_is_not_retried_and_says_outcome_unknown(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="POST", latency_s=0.8), timeout=(1.0, 0.3), max_retries=4)
    error = _cancel_error(client, errors.ApiTimeout)
    assert "may or may not have been taken" in error.message
    assert "check /cpp ops" in error.message
    assert emulator.cancel_count() == 1


def test_post_connection_reset_is_not_retried_and_says_outcome_unknown(emulator: EmulatorServer) -> None:
    client = _client_through(emulator, Fault(method="POST", reset=True), max_retries=4)
    error = _cancel_error(client, errors.ApiConnectionError)
    assert "may or may not have been taken" in error.message
    assert emulator.cancel_count() == 1


def test_post_is_retried_when_the_connection_was_refused(caplog: pytest.LogCaptureFixture) -> None:
    """The port refuses at first; the emulator comes up on it moments later; the cancel goes through once."""
    reserved, port = closed_port()
    started: list[EmulatorServer] = []

    def bring_up() -> None:
        time.sleep(0.15)
        reserved.close()
        started.append(EmulatorServer(port=port, step_seconds=1.0).start())

    thread = threading.Thread(target=bring_up)
    thread.start()
    try:
        client = CppClient(
            f"http://127.0.0.1:{port}",
            StaticTokenProvider("local-emulator-token"),
            timeout=(1.0, 2.0),
            max_retries=4,
            backoff_factor=0.2,
        )
        with caplog.at_level(logging.WARNING, logger="urllib3"):
            result = client.cancel(*VM)
        thread.join()
        assert result.outcome == "accepted"
        assert started[0].cancel_count() == 1
        assert any("NewConnectionError" in r.getMessage() for r in caplog.records)  # it was refused first
    finally:
        thread.join()
        for server in started:
            server.stop()


def test_refused_every_time_says_nothing_was_sent() -> None:
    reserved, port = closed_port()
    try:
        client = CppClient(f"http://127.0.0.1:{port}", StaticTokenProvider("t"), max_retries=2, backoff_factor=0.01)
        with pytest.raises(errors.ApiConnectionError, match="nothing was sent") as info:
            client.cancel(*VM)
        assert "may or may not" not in info.value.message
        with pytest.raises(errors.ApiConnectionError, match="nothing was sent"):
            client.list_operations(*VM)
    finally:
        reserved.close()


def test_cancel_then_follow_with_keep_alive_connections(emulator: EmulatorServer) -> None:
    """Many requests over the pooled keep-alive connection behave (the emulator speaks HTTP/1.1)."""
    client = make_client(emulator)
    url = client.cancel(*VM).operation_url
    assert url is not None
    for _ in range(20):
        client.get_operation(url)
    assert emulator.cancel_count() == 1
