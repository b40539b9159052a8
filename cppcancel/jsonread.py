"""The one tolerant reader of JSON values: what the APIs answer and what durable histories hold (pure).

Two kinds of JSON reach the app from outside its control: the marketplace APIs' answers (which the documentation
contradicts, and which a service may change) and the activity results and inputs in durable histories (written by
older code, replayed by today's). Neither may crash the app, so every reader here takes any value and answers a
typed one or None - never an exception. A value of the wrong type counts as absent; `bool` is never a number (JSON
`true` is not 1).

The readers take a value (`text(data.get("key"))`), or a mapping and keys tried in order (`first_text(data, "a",
"b")`: the APIs spell one field several ways). `json_object` is the entrance of a contract: a JSON object, decoded
or as text, as a dict.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "first_nonempty",
    "first_text",
    "first_whole",
    "flag",
    "integer",
    "items",
    "json_object",
    "mapping",
    "number",
    "string",
    "text",
    "whole",
    "words",
]

_WHOLE = re.compile(r"-?[0-9]+")


def json_object(payload: object) -> dict[str, Any]:
    """A contract's JSON as a dict, whether the host hands it over decoded or as JSON text (hosts differ: durable
    inputs, outputs and activity payloads arrive either way). Raises ValueError when it is not an object."""
    if isinstance(payload, (str, bytes)):
        payload = json.loads(payload)
    if not isinstance(payload, Mapping):
        raise ValueError(f"expected a JSON object, got {type(payload).__name__}")
    return dict(payload)


def text(value: object) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def string(value: object) -> str | None:
    """A string (empty too), else None."""
    return value if isinstance(value, str) else None


def words(value: object) -> str:
    """Anything a person may read, as text: "" for a missing or empty value."""
    return str(value) if value else ""


def integer(value: object) -> int | None:
    """A JSON integer, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def whole(value: object) -> int | None:
    """A whole number however the API wrote it: `5`, `5.0` or `"5"`; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):  # not str.isdigit: "¹" is a digit, not a number
        return int(value.strip())
    return None


def number(value: object) -> float | None:
    """A JSON number (an integer stays one, so that what is read is written back alike), else None."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def flag(value: object) -> bool:
    """True only for JSON `true` (a flag written only when set reads back False when absent)."""
    return value is True


def items(value: object) -> list[Any]:
    """A JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def mapping(value: object) -> Mapping[str, Any]:
    """A JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def first_text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of `keys` that holds a string (empty too) or a number (as text): the APIs' loosely typed fields."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    return None


def first_nonempty(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of `keys` that holds a non-empty string."""
    for key in keys:
        found = text(data.get(key))
        if found is not None:
            return found
    return None


def first_whole(data: Mapping[str, Any], *keys: str) -> int | None:
    """The first of `keys` that holds a whole number (`whole`)."""
    for key in keys:
        found = whole(data.get(key))
        if found is not None:
            return found
    return None


def first_id(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of `keys` that holds a non-empty string or a number (as text): IDs come both ways."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    return None


def maybe_flag(value: object) -> bool | None:
    """A JSON boolean, else None (where "absent" and "false" mean different things)."""
    return value if isinstance(value, bool) else None


def objects(value: object) -> tuple[Mapping[str, Any], ...]:
    """The JSON objects of a list; anything else in it (or a value that is no list) is skipped."""
    return tuple(item for item in value if isinstance(item, Mapping)) if isinstance(value, list) else ()
