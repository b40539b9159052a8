"""Fixtures for the dev host's own tests: an in-process dev host serving the fixture app, and HTTP helpers.

The dev host writes the settings it decides on into `os.environ` (as Core Tools does for the worker), so every
fixture that starts one restores the environment afterwards - other tests must not see its stand-in URLs.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from cppcancel.settings import reset_settings_cache
from devhost.host import DevHost, DevHostOptions

FIXTURE_APP = "tests.devhost.fixture_app:app"
UNREACHABLE_CPP = "http://127.0.0.1:9"  # the fixture app never calls the CPP: keep the emulator out of these tests


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(
    method: str, url: str, body: bytes | str | None = None, headers: dict[str, str] | None = None, timeout: float = 10
) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def wait_until(probe: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll `probe` until it returns something truthy; fail with `what` when `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def restored_environ() -> Iterator[None]:
    before = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)
        reset_settings_cache()


@pytest.fixture
def saved_environ() -> Iterator[None]:
    with restored_environ():
        yield


@pytest.fixture(scope="module")
def fixture_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    """One dev host per test module (starting one costs ~0.5 s); tests use their own instance IDs."""
    with restored_environ():
        os.environ["CPP_BASE_URL"] = UNREACHABLE_CPP
        data_dir = tmp_path_factory.mktemp("devhost") / "data"
        host = DevHost(DevHostOptions(app=FIXTURE_APP, port=0, data_dir=data_dir, use_local_settings=False)).start()
        try:
            yield host
        finally:
            host.stop()
