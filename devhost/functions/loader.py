"""Find the function app ("module:attr", default `function_app:app`) and the host.json next to it.

Tests point the dev host at small fixture apps, so the app is named on the command line rather than hard-wired;
host.json supplies what the Functions host would take from it (route prefix, task hub name, function timeout).
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_APP = "function_app:app"
REPO_ROOT = Path(__file__).resolve().parents[2]


class AppLoadError(RuntimeError):
    """The app spec does not name a FunctionApp; the message says which part failed."""


@dataclass(frozen=True)
class HostJson:
    route_prefix: str = "api"
    hub_name: str | None = None
    function_timeout_s: float = 600.0


def load_app(spec: str, search_paths: Iterable[Path] = ()) -> tuple[Any, Path]:
    """Import `module:attr` (attr defaults to `app`); returns the app and the directory of its module."""
    module_name, _, attribute = spec.partition(":")
    attribute = attribute or "app"
    for path in [*search_paths, REPO_ROOT]:
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AppLoadError(f"cannot import {module_name!r} (from --app {spec!r}): {exc}") from exc
    app = getattr(module, attribute, None)
    if app is None or not callable(getattr(app, "get_functions", None)):
        raise AppLoadError(f"{module_name}.{attribute} is not a FunctionApp (from --app {spec!r})")
    location = Path(module.__file__).resolve().parent if module.__file__ else Path.cwd()
    return app, location


def read_host_json(directory: Path) -> HostJson:
    path = directory / "host.json"
    if not path.is_file():
        return HostJson()
    data = json.loads(path.read_text(encoding="utf-8"))
    extensions = data.get("extensions") or {}
    prefix = (extensions.get("http") or {}).get("routePrefix")
    hub = (extensions.get("durableTask") or {}).get("hubName")
    return HostJson(
        route_prefix="api" if prefix is None else str(prefix).strip("/"),
        hub_name=str(hub) if hub else None,
        function_timeout_s=_timespan(data.get("functionTimeout")) or 600.0,
    )


def _timespan(text: Any) -> float | None:
    """host.json's `hh:mm:ss` (optionally `d.hh:mm:ss`); -1 means unbounded and is capped to a day locally."""
    if text is None:
        return None
    if str(text).strip() == "-1":
        return 86400.0
    found = re.fullmatch(r"(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)", str(text).strip())
    if not found:
        return None
    days, hours, minutes, seconds = found.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
