"""The shared stand-in server, under a stand-in of its own: what every stand-in gets without writing it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import pytest
import requests

from devhost.standins.server import (
    AUTH_INVALID,
    AUTH_VALID,
    Control,
    ErrorCodes,
    Reply,
    StandInRequest,
    StandInServer,
    json_reply,
)


class Echo(StandInServer):
    """Answers every request with what it saw; `/boom` raises, `/drop` loses the call."""

    title = "echo stand-in"
    base_path = "/v1"
    methods = ("GET", "POST", "DELETE")
    max_body_bytes = 64
    error_codes = ErrorCodes("bad", "none", "big", "oops")

    def __init__(self) -> None:
        super().__init__(token="echo-token")
        self.written = threading.Event()
        self.steered: list[Any] = []

    def answer(self, request: StandInRequest) -> Reply | None:
        if request.path.endswith("/boom"):
            raise RuntimeError("the stand-in itself broke")
        if request.path.endswith("/drop"):
            return None
        seen = {"method": request.method, "query": dict(request.query), "body": request.body.decode()}
        return replace(json_reply(200, seen), after=self.written.set)

    def controls(self) -> Mapping[tuple[str, str], Control]:
        def steer(data: Any) -> Reply:
            if data == "refuse":
                raise ValueError("refused on purpose")
            self.steered.append(data)
            return json_reply(200, {"steered": len(self.steered)})

        return {("POST", "steer"): steer}


class TokenEcho(Echo):
    records_tokens = True


@pytest.fixture
def echo() -> Iterator[Echo]:
    with Echo() as server:
        yield server


def _call(method: str, url: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, url, timeout=5, **kwargs)


def test_requests_reach_the_service_and_are_recorded_with_the_token_masked(echo: Echo) -> None:
    answer = _call("POST", f"{echo.base_url}/things?a=1&b=", data="hi", headers={"Authorization": "Bearer echo-token"})
    assert answer.json() == {"method": "POST", "query": {"a": "1", "b": ""}, "body": "hi"}
    assert echo.written.wait(5), "`after` runs once the answer is written"
    _call("GET", f"{echo.base_url}/things", headers={"Authorization": "Bearer stolen"})
    first, second = echo.requests
    assert (first.method, first.path, first.target, first.body) == ("POST", "/v1/things", "/v1/things?a=1&b=", "hi")
    assert (first.auth, second.auth) == (AUTH_VALID, AUTH_INVALID)
    assert first.headers["Authorization"] == AUTH_VALID and first.token is None, "the token is never kept"
    echo.clear_requests()
    assert echo.requests == []


def test_a_stand_in_that_records_tokens_says_whose_token_came() -> None:
    with TokenEcho() as server:
        _call("GET", f"{server.base_url}/x", headers={"Authorization": "Bearer someone-else"})
        assert [r.token for r in server.requests] == ["someone-else"]


def test_control_endpoints_are_routed_answered_in_the_service_shape_and_never_recorded(echo: Echo) -> None:
    steer = f"{echo.origin}/_standin/steer"
    assert _call("POST", steer, json={"n": 1}).json() == {"steered": 1}
    assert echo.steered == [{"n": 1}]
    assert _call("POST", steer).json() == {"steered": 2}, "no body is None"
    refused = _call("POST", steer, json="refuse")
    assert refused.status_code == 400 and refused.json() == {"error": {"code": "bad", "message": "refused on purpose"}}
    assert _call("POST", steer, data="{").json()["error"]["code"] == "bad"
    unknown = _call("GET", steer)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "none"
    assert echo.requests == []


def test_bodies_over_the_cap_are_413_and_unlisted_methods_501(echo: Echo) -> None:
    big = _call("POST", f"{echo.base_url}/x", data="x" * 65)
    assert big.status_code == 413 and big.json()["error"]["code"] == "big"
    assert big.headers["Connection"] == "close"
    assert _call("PUT", f"{echo.base_url}/x").status_code == 501
    assert _call("DELETE", f"{echo.base_url}/x").status_code == 200


def test_a_crash_is_a_500_in_the_service_shape_and_none_loses_the_call(echo: Echo) -> None:
    crashed = _call("GET", f"{echo.base_url}/boom")
    assert crashed.status_code == 500 and crashed.json()["error"]["code"] == "oops"
    with pytest.raises(requests.ConnectionError):
        _call("GET", f"{echo.base_url}/drop")
    assert [r.path for r in echo.requests] == ["/v1/boom", "/v1/drop"]


def test_lifecycle_loopback_only_port_chosen_at_start_and_stop_wakes_held_calls() -> None:
    with pytest.raises(ValueError, match="loopback"):
        StandInServer(host="0.0.0.0")  # noqa: S104 - the point of the test
    server = Echo()
    with pytest.raises(RuntimeError, match="start"):
        _ = server.base_url
    assert server.start() is server.start(), "starting twice is one server"
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    assert server.pause(0.01) is False
    server.stop()
    server.stop()
    assert server.pause(5) is True, "a stopping stand-in does not hold calls"
