"""Reading app settings out of the environment's text: typed values, and every problem found, said all at once.

`cppcancel.settings` reads each setting by name through these (`_text(env, "CPP_BASE_URL")`, ...); nothing here
knows a setting's name. A value that cannot be used is reported in `Env.problems` with what was wrong and what is
allowed, and read as unset, so one start-up names every bad setting rather than the first.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from cppcancel import jsonread

_log = logging.getLogger("cppcancel.settings")
KEY_VAULT_REFERENCE_PREFIX = "@Microsoft.KeyVault("


def is_loopback_host(host: str) -> bool:
    """Plain http is allowed only to these (the emulators); everything else must be https."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url_problem(name: str, value: str, problems: list[str]) -> str:
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        problems.append(f"{name} must be an absolute https:// URL, got {value!r}")
    elif parts.scheme == "http" and not is_loopback_host(host):
        problems.append(f"{name} may use plain http:// only for a loopback emulator, got {value!r}")
    elif parts.username or parts.password:
        problems.append(f"{name} must not carry user-info")
    elif parts.query or parts.fragment:
        problems.append(f"{name} must not carry a query or fragment")
    return value


class Env:
    """The environment being read, and every problem found in it (reported all at once)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[str] = []

    def raw(self, name: str) -> str:
        return self.values.get(name, "").strip()


def text(env: Env, name: str) -> str | None:
    """A text setting, stripped; an unresolved Key Vault reference is unset (and the log says why)."""
    value = env.raw(name)
    if value.startswith(KEY_VAULT_REFERENCE_PREFIX):
        # App Service hands an unresolved Key Vault reference through verbatim (secret not set yet, or no access).
        # Using it as a secret would only produce confusing signature failures: treat it as unset, and say why.
        _log.warning("%s is an unresolved Key Vault reference; treating it as unset (is the secret set?)", name)
        return None
    return jsonread.text(value)


def maybe_seconds(env: Env, name: str, *, minimum: float = 0.0) -> float | None:
    raw = env.raw(name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        env.problems.append(f"{name} must be a number of seconds, got {raw!r}")
        return None
    if not value > minimum or value != value or value == float("inf"):
        env.problems.append(f"{name} must be a finite number greater than {minimum:g}, got {raw!r}")
        return None
    return value


def seconds(env: Env, name: str, default: float, *, minimum: float = 0.0) -> float:
    found = maybe_seconds(env, name, minimum=minimum)
    return default if found is None else found


def maybe_count(env: Env, name: str, *, minimum: int) -> int | None:
    raw = env.raw(name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        env.problems.append(f"{name} must be a whole number, got {raw!r}")
        return None
    if value < minimum:
        env.problems.append(f"{name} must be at least {minimum}, got {value}")
        return None
    return value


def count(env: Env, name: str, default: int, *, minimum: int) -> int:
    found = maybe_count(env, name, minimum=minimum)
    return default if found is None else found


def base_url(env: Env, name: str, default: str) -> str:
    return base_url_problem(name, (text(env, name) or default).rstrip("/"), env.problems)
