"""The bearer token goes to the Partner Portal's API and nowhere else.

A second loopback server plays the "foreign host": it records every visit, and each test asserts it got none.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backends.cpp.client import CppClient
from backends.http import errors
from devhost.standins.cpp import AUTH_VALID, EmulatorServer, Fault
from tests.backends.cpp.conftest import RecordingServer

VM = ("contoso", "contoso-vm-offer")
OP_PATH = "/api/publishers/contoso/offers/contoso-vm-offer/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8"


def _unsafe_locations(emulator: EmulatorServer, foreign: RecordingServer) -> list[str]:
    port = emulator.port
    return [
        foreign.base_url + OP_PATH,  # another host (port) entirely
        f"http://user:secret@127.0.0.1:{port}{OP_PATH}",  # user-info, even on the right host
        f"http://127.0.0.1@127.0.0.1:{foreign.port}{OP_PATH}",  # user-info that looks like the host
        f"https://127.0.0.1:{port}{OP_PATH}",  # another scheme
        f"{emulator.base_url}/_emulator/requests",  # right origin, outside /api
        f"{emulator.base_url}/api/publishers/../../_emulator/requests",  # dot-segments
        f"{emulator.base_url}/api/publishers/contoso%2f..%2f..%2f_emulator",  # encoded slashes
        f"//127.0.0.1:{foreign.port}{OP_PATH}",  # protocol-relative "relative" Location
    ]


def test_cancel_refuses_unsafe_operation_location(
    client: CppClient, emulator: EmulatorServer, foreign: RecordingServer
) -> None:
    for location in _unsafe_locations(emulator, foreign):
        emulator.add_fault(Fault(method="POST", path="/cancel", operation_location=location))
        with pytest.raises(errors.UnsafeUrl) as info:
            client.cancel(*VM)
        assert "accepted the cancel (HTTP 202)" in info.value.message
        assert "/cpp ops" in info.value.message
        assert info.value.status_code == 202
    assert foreign.visits == []


def test_cancel_refuses_unsafe_relative_location(
    client: CppClient, emulator: EmulatorServer, foreign: RecordingServer
) -> None:
    for location in (f"//127.0.0.1:{foreign.port}{OP_PATH}", "/_emulator/reset", "/api/publishers/a/../../x"):
        emulator.add_fault(Fault(method="POST", path="/cancel", location=location))
        with pytest.raises(errors.UnsafeUrl):
            client.cancel(*VM)
    assert foreign.visits == []


def test_following_refuses_unsafe_urls_before_any_request(
    client: CppClient, emulator: EmulatorServer, foreign: RecordingServer
) -> None:
    for url in _unsafe_locations(emulator, foreign):
        with pytest.raises(errors.UnsafeUrl):
            client.get_operation(url)
        with pytest.raises(errors.UnsafeUrl):
            client.poll_operation(url)
    assert foreign.visits == []
    assert emulator.requests == []


def test_redirect_to_a_foreign_host_is_not_followed(
    client: CppClient, emulator: EmulatorServer, foreign: RecordingServer
) -> None:
    emulator.add_fault(Fault(method="GET", redirect_to=foreign.base_url + OP_PATH, times=None))
    emulator.add_fault(Fault(method="POST", redirect_to=foreign.base_url + "/api/publishers/x/offers/y/cancel"))
    with pytest.raises(errors.UnsafeUrl, match="redirect"):
        client.list_operations(*VM)
    with pytest.raises(errors.UnsafeUrl, match="redirect"):
        client.get_operation(emulator.base_url + OP_PATH)
    with pytest.raises(errors.UnsafeUrl, match="redirect"):
        client.cancel(*VM)
    assert foreign.visits == []
    assert emulator.cancel_count() == 1


def test_the_session_itself_refuses_to_send_the_token_elsewhere(client: CppClient, foreign: RecordingServer) -> None:
    """Defence in depth: even code that bypasses the client's checks cannot put the token on a foreign wire."""
    with pytest.raises(errors.UnsafeUrl):
        client._session.get(foreign.base_url + OP_PATH, headers={"Authorization": "Bearer x"})
    assert foreign.visits == []


def test_environment_proxies_are_ignored(
    client: CppClient, emulator: EmulatorServer, foreign: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, foreign.base_url)
    assert client.list_operations(*VM)
    assert foreign.visits == []
    assert emulator.requests[-1].auth == AUTH_VALID


def test_netrc_credentials_are_ignored(
    client: CppClient, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    os.chmod(netrc, 0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert client.list_operations(*VM)
    assert emulator.requests[-1].auth == AUTH_VALID  # not replaced by Basic auth from .netrc


def test_recorded_requests_never_hold_the_token(client: CppClient, emulator: EmulatorServer) -> None:
    url = client.cancel(*VM).operation_url
    assert url is not None
    client.get_operation(url)
    for request in emulator.requests:
        assert emulator.token not in repr(request)
        assert request.headers["Authorization"] == AUTH_VALID
