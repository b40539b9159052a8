"""Tolerant reads of one JSON object's fields: a wrong type or a missing key is None, never an exception.

Kept to what this package needs and free of any other package's private readers, so that the package can move as it
is; the app-wide tolerant reader the redesign plans (`cppcancel/jsonread.py`) replaces it then. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first key holding a non-empty string (a number is shown as text: IDs come both ways)."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    return None


def integer(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def flag(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def objects(value: object) -> tuple[Mapping[str, Any], ...]:
    """The JSON objects of a list; anything else in it (or a value that is no list) is skipped."""
    return tuple(item for item in value if isinstance(item, Mapping)) if isinstance(value, list) else ()
