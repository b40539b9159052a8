"""Convert between wire-level HTTP and the azure.functions objects, through the converters the Python worker uses.

The worker turns the host's RPC request into `azure.functions.HttpRequest` with `HttpRequestConverter.decode` and a
function's return value back into an HTTP response with `HttpResponseConverter.encode` (which fills in the
Content-Type from `mimetype`/`charset`, accepts plain `str` returns, and splits Set-Cookie). Going through the same
converters keeps those details identical to Azure instead of re-implementing them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import azure.functions as func
from azure.functions.http import HttpRequestConverter, HttpResponseConverter
from azure.functions.meta import Datum


@dataclass
class WireRequest:
    """A request as it came off the socket; `path` excludes the query string and is still percent-encoded."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    url: str
    client_host: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        values = [v for k, v in self.headers if k.lower() == lowered]
        return ", ".join(values) if values else None

    def query_params(self) -> dict[str, list[str]]:
        params: dict[str, list[str]] = {}
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            params.setdefault(key, []).append(value)
        return params


@dataclass
class WireResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> WireResponse:
    body = b"" if payload is None else json.dumps(payload).encode("utf-8")
    wire_headers = [("Content-Type", "application/json; charset=utf-8")] if payload is not None else []
    wire_headers.extend((headers or {}).items())
    return WireResponse(status, wire_headers, body)


def error_response(status: int, code: str, message: str) -> WireResponse:
    """The dev host's own errors (no route, body too large, function crashed): one JSON shape for all of them."""
    return json_response(status, {"error": {"code": code, "message": message}})


def to_function_request(request: WireRequest, route_params: Mapping[str, str]) -> func.HttpRequest:
    """Build the request object exactly as the worker does; repeated headers are joined with ', ' like ASP.NET."""
    headers: dict[str, str] = {}
    for key, value in request.headers:
        headers[key.lower()] = f"{headers[key.lower()]}, {value}" if key.lower() in headers else value
    query = {key: values[0] for key, values in request.query_params().items()}
    datum = Datum(
        type="http",
        value={
            "method": Datum(type="string", value=request.method),
            "url": Datum(type="string", value=request.url),
            "headers": {k: Datum(type="string", value=v) for k, v in headers.items()},
            "query": {k: Datum(type="string", value=v) for k, v in query.items()},
            "params": {k: Datum(type="string", value=v) for k, v in route_params.items()},
            "body": Datum(type="bytes", value=request.body),
        },
    )
    converted: func.HttpRequest = HttpRequestConverter.decode(datum, trigger_metadata=None)
    return converted


def from_function_result(result: Any) -> WireResponse:
    """A function's return value as the host would send it: HttpResponse, str, or None (204, nothing to send)."""
    if result is None:
        return WireResponse(204)
    datum = HttpResponseConverter.encode(result, expected_type=None)
    if datum.type == "string":
        return WireResponse(200, [("Content-Type", "text/plain; charset=utf-8")], str(datum.value).encode("utf-8"))
    value: dict[str, Any] = datum.value
    headers = [(str(name), str(header.value)) for name, header in value["headers"].items()]
    for cookie in value.get("cookies") or []:
        headers.extend(("Set-Cookie", morsel.OutputString()) for morsel in cookie.values())
    body = value["body"].value
    return WireResponse(int(value["status_code"].value), headers, bytes(body or b""))
