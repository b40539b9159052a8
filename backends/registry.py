"""Which backend serves a target: `backend_for(target)`, by the target's kind.

A new marketplace API adds one line to `_BACKENDS`: its target's kind and its package, whose `backend.py` holds its
`BACKEND` and whose `words.py` its `WORDING`. Each backend is
imported on first use, so a Slack answer that never touches an API does not load it (cold start), and a backend's
HTTP client is imported later still, when it first sends or reads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from backends.base import Backend, Wording
    from cppcancel.targets import Target, TargetKind

_BACKENDS: dict[TargetKind, str] = {
    "publish": "backends.cpp",
    "job": "backends.ingestion",
    "submission": "backends.submission",
}


def backend_for(target: Target) -> Backend:
    """The backend of `target`'s kind (imported on first use): its `backend.py`'s `BACKEND`."""
    return backend_of(target.kind)


def backend_of(kind: TargetKind) -> Backend:
    return cast("Backend", importlib.import_module(f"{_BACKENDS[kind]}.backend").BACKEND)


def wording_for(target: Target) -> Wording:
    """What a person reads about `target`'s API: its `words.py`'s `WORDING` (pure: safe in orchestrator code and on
    a chat's ack path, where the backend's I/O is not needed)."""
    return cast("Wording", importlib.import_module(f"{_BACKENDS[target.kind]}.words").WORDING)


def backend_polled_by(activity: str) -> Backend:
    """The backend whose watcher reads go through the activity named `activity`."""
    return next(backend for backend in every_backend() if backend.poll_activity == activity)


def every_backend() -> list[Backend]:
    """Every backend, in the order above (what an offer has in flight is asked of each)."""
    return [backend_of(kind) for kind in _BACKENDS]
