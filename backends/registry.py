"""Which backend serves a target: `backend_for(target)`, by the target's kind.

A new marketplace API adds one line to `_BACKENDS` (its target's kind and where its `BACKEND` is). Each backend is
imported on first use, so a Slack answer that never touches an API does not load it (cold start), and a backend's
HTTP client is imported later still, when it first sends or reads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from backends.base import Backend
    from cppcancel.targets import Target, TargetKind

_BACKENDS: dict[TargetKind, str] = {
    "publish": "backends.cpp.backend",
    "job": "backends.ingestion.backend",
}


def backend_for(target: Target) -> Backend:
    """The backend of `target`'s kind (imported on first use)."""
    return backend_of(target.kind)


def backend_of(kind: TargetKind) -> Backend:
    return cast("Backend", importlib.import_module(_BACKENDS[kind]).BACKEND)


def backend_polled_by(activity: str) -> Backend:
    """The backend whose watcher reads go through the activity named `activity`."""
    return next(backend for backend in every_backend() if backend.poll_activity == activity)


def every_backend() -> list[Backend]:
    """Every backend, in the order above (what an offer has in flight is asked of each)."""
    return [backend_of(kind) for kind in _BACKENDS]
