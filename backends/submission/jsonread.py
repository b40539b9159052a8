"""Tolerant reads of one JSON object's fields: a wrong type or a missing key is None, never an exception.

The field readers this package's models use, on the app-wide tolerant reader (`cppcancel/jsonread.py`). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cppcancel.jsonread import whole


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
    """A whole number however the API wrote it (`cppcancel.jsonread.whole`)."""
    return whole(data.get(key))


def flag(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def objects(value: object) -> tuple[Mapping[str, Any], ...]:
    """The JSON objects of a list; anything else in it (or a value that is no list) is skipped."""
    return tuple(item for item in value if isinstance(item, Mapping)) if isinstance(value, list) else ()
