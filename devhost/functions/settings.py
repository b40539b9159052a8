"""Settings the way Core Tools provides them: the environment first, then `local.settings.json` `Values`.

The function app reads only the process environment (`cppcancel.settings`), so the dev host's job is to put the
same values there before the app is imported - as Core Tools does for `func start`. An empty value counts as unset,
both in the environment and in the file (the example file lists every setting with "" for "not configured").
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCAL_SETTINGS = "local.settings.json"
SECRET_SETTINGS = frozenset(
    {"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "CPP_ACCESS_TOKEN", "WEBHOOK_SECRET", "AzureWebJobsStorage"}
)
SIGNING_SECRET_FILE = "slack-signing-secret"  # noqa: S105 - a file name


class SettingsFileError(ValueError):
    """local.settings.json exists but cannot be used; the message names the file and the problem."""


@dataclass
class SettingsSource:
    """Where the settings came from, for the banner (names only - never values of secrets)."""

    path: Path | None = None
    applied: list[str] = field(default_factory=list)
    overridden_by_env: list[str] = field(default_factory=list)
    local_http_port: int | None = None


def is_set(environ: Mapping[str, str], key: str) -> bool:
    return bool(environ.get(key, "").strip())


def find_local_settings(search_dirs: Iterable[Path]) -> Path | None:
    """The first local.settings.json in the given directories (the current one, then the repository root)."""
    seen: set[Path] = set()
    for directory in search_dirs:
        candidate = (directory / LOCAL_SETTINGS).resolve()
        if candidate in seen:
            continue
        seen.add(candidate)
        if candidate.is_file():
            return candidate
    return None


def read_local_settings(path: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """(Values, Host) from a local.settings.json file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsFileError(f"{path}: not readable JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise SettingsFileError(f"{path}: expected a JSON object")
    if data.get("IsEncrypted"):
        raise SettingsFileError(f"{path}: encrypted settings are not supported; run `func settings decrypt` first")
    values = data.get("Values") or {}
    host = data.get("Host") or {}
    if not isinstance(values, dict) or not isinstance(host, dict):
        raise SettingsFileError(f"{path}: 'Values' and 'Host' must be objects")
    return {str(k): "" if v is None else str(v) for k, v in values.items()}, host


def apply_local_settings(
    environ: MutableMapping[str, str], search_dirs: Iterable[Path], *, use_file: bool = True
) -> SettingsSource:
    """Fill unset environment variables from local.settings.json; the environment always wins."""
    source = SettingsSource()
    if not use_file:
        return source
    path = find_local_settings(search_dirs)
    if path is None:
        return source
    values, host = read_local_settings(path)
    source.path = path
    for key, value in values.items():
        if not value.strip():
            continue
        if is_set(environ, key):
            source.overridden_by_env.append(key)
            continue
        environ[key] = value
        source.applied.append(key)
    port = host.get("LocalHttpPort")
    if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
        source.local_http_port = int(port)
    return source


def session_signing_secret(data_dir: Path) -> str:
    """A signing secret for a dev host without one: random, kept in the data dir (mode 0600) so that
    `python -m devhost slash` in another terminal can sign requests the running dev host accepts."""
    path = data_dir / SIGNING_SECRET_FILE
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except OSError:
        existing = ""
    if existing:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = "local-" + secrets.token_hex(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret


def stored_signing_secret(data_dir: Path) -> str | None:
    try:
        return (data_dir / SIGNING_SECRET_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
