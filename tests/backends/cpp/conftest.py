"""Fixtures: the CPP emulator over real loopback HTTP, a client for it, and a "foreign host" that records visits."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from backends.cpp.client import CppClient
from backends.http.tokens import StaticTokenProvider
from devhost.standins.cpp import EmulatorServer, ManualClock


@pytest.fixture(scope="session")
def _shared_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
def _shared_emulator(_shared_clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(clock=_shared_clock, step_seconds=2.0, seed=7) as server:
        yield server


@pytest.fixture
def clock(_shared_clock: ManualClock) -> ManualClock:
    return _shared_clock


@pytest.fixture
def emulator(_shared_emulator: EmulatorServer) -> EmulatorServer:
    """One emulator for the session (manual clock, 2 s step units), reset to its seed state for every test, doing
    only what Microsoft documents (a test of the emulator's extras switches them on for itself)."""
    _shared_emulator.beyond_docs = False
    _shared_emulator.reset()
    return _shared_emulator


def make_client(emulator: EmulatorServer, **kwargs: Any) -> CppClient:
    options: dict[str, Any] = {"timeout": (1.0, 2.0), "max_retries": 2, "backoff_factor": 0.01}
    options.update(kwargs)
    return CppClient(emulator.base_url, StaticTokenProvider(emulator.token), **options)


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[CppClient]:
    cpp = make_client(emulator)
    yield cpp
    cpp.close()


@dataclass(frozen=True)
class Visit:
    method: str
    path: str
    headers: dict[str, str]


class RecordingServer:
    """A tiny loopback HTTP server standing in for a foreign host: it only records who came (and what they sent)."""

    def __init__(self) -> None:
        visits: list[Visit] = []
        self.visits = visits

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                visits.append(Visit(self.command, self.path, dict(self.headers.items())))
                body = b'[{"status": "running"}]'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._record()

            def do_POST(self) -> None:
                self._record()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def foreign() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.close()


def closed_port() -> tuple[socket.socket, int]:
    """A loopback port that refuses connections: bound (so nobody else takes it) but not listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]
