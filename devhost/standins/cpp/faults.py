"""Faults a test (or another process, over /_emulator/faults) injects into the emulator's answers.

A fault matches requests by method and a substring of the request target (path and query) and applies `times`
times (None: always). It can combine a delay with one effect; effects are applied in this order: latency, reset,
redirect, status, then the normal answer with malformed JSON / replaced headers / an altered cancel operation.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

_JSON_NAMES = {
    "method": "method",
    "path": "path",
    "times": "times",
    "latency_s": "latencyS",
    "status": "status",
    "retry_after": "retryAfter",
    "body": "body",
    "headers": "headers",
    "malformed_json": "malformedJson",
    "reset": "reset",
    "operation_location": "operationLocation",
    "location": "location",
    "redirect_to": "redirectTo",
    "operation": "operation",
}


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour.

    - `latency_s`: wait this long before answering (transport time, not emulator time).
    - `status`: answer this status instead of handling the request (the request has no effect), with
      `retry_after` as Retry-After, `body` (default: a CPP-style error JSON for >= 400) and extra `headers`.
    - `malformed_json`: handle the request normally, then send a truncated JSON body.
    - `reset`: close the connection without answering (the request has no effect).
    - `operation_location` / `location`: a cancel answers 202 with exactly this header instead of its own
      (e.g. a foreign host, http://, user-info URL).
    - `redirect_to`: answer 302 with this Location.
    - `operation`: a cancel creates an operation that "never_ends" or "fails".
    """

    method: str | None = None
    path: str = ""
    times: int | None = 1
    latency_s: float = 0.0
    status: int | None = None
    retry_after: str | None = None
    body: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    malformed_json: bool = False
    reset: bool = False
    operation_location: str | None = None
    location: str | None = None
    redirect_to: str | None = None
    operation: Literal["never_ends", "fails"] | None = None

    def __post_init__(self) -> None:
        if self.times is not None and self.times < 1:
            raise ValueError("Fault.times must be at least 1 (or None for always)")
        if self.latency_s < 0:
            raise ValueError("Fault.latency_s must not be negative")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("Fault.status must be an HTTP status code")
        if self.operation not in (None, "never_ends", "fails"):
            raise ValueError("Fault.operation must be 'never_ends' or 'fails'")

    def matches(self, method: str, target: str) -> bool:
        return (self.method is None or self.method.upper() == method.upper()) and self.path in target

    def to_json(self) -> dict[str, Any]:
        data = {_JSON_NAMES[f.name]: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["headers"] = dict(self.headers)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """Build from the camelCase JSON of /_emulator/faults (snake_case accepted too); unknown keys refused."""
        names = {json_name: name for name, json_name in _JSON_NAMES.items()}
        names.update({name: name for name in _JSON_NAMES})
        unknown = sorted(k for k in data if k not in names)
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(unknown)}")
        kwargs = {names[k]: v for k, v in data.items()}
        if "headers" in kwargs:
            kwargs["headers"] = {str(k): str(v) for k, v in dict(kwargs["headers"] or {}).items()}
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ValueError(str(exc)) from None


@dataclass
class _Entry:
    fault: Fault
    remaining: int | None


class FaultBook:
    """The active faults, consulted in the order they were added; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[_Entry] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._entries.append(_Entry(fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def take(self, method: str, target: str) -> Fault | None:
        """The first matching fault, counting one use of it."""
        with self._lock:
            for entry in self._entries:
                if not entry.fault.matches(method, target):
                    continue
                if entry.remaining is not None:
                    entry.remaining -= 1
                    if entry.remaining <= 0:
                        self._entries.remove(entry)
                return entry.fault
            return None

    def active(self) -> list[Fault]:
        with self._lock:
            return [e.fault for e in self._entries]
