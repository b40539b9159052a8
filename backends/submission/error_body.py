"""The submission API's error bodies, read tolerantly: whatever shape they come in, the API's own words survive.

The swagger types an error body as a bare string; recorded traffic shows a JSON string that holds a code, a sentence
and a JSON object:

    "ICH50400 - Unable to complete request. {\"faultCode\":50400,\"reasonPhrase\":\"Request validation failed.\",
     \"correlationId\":\"808f...\",\"operationId\":\"1cdf...\",\"data\":{\"FeatureName\":[\"The field ... invalid.\"]}}"

Also read: the same text unquoted, `{"error": {"code", "message"}}`, `{"code", "message"}`, and a bare object with
`faultCode`/`reasonPhrase`. An HTML page (a gateway's) says nothing a person can use and gives no text. Nothing here
raises. Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cppcancel import jsonread

MAX_TEXT = 500
_CODED = re.compile(r"\s*(?P<code>[A-Z]{2,}[0-9]{3,})\s*-\s*(?P<rest>.*)", re.DOTALL)


@dataclass(frozen=True)
class ErrorText:
    """`text`: the body as sent (decoded, cleaned, capped) - what to show when nothing else was understood.
    `message`: the readable sentence (summary, reason, the details under `data`, the correlation ID)."""

    text: str | None = None
    code: str | None = None
    fault_code: int | None = None
    message: str | None = None
    correlation_id: str | None = None


def _clean(text: str) -> str:
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _details(data: object) -> list[str]:
    """The messages under `data` (`{"Field": ["message", ...]}`) or `details`."""
    found: list[str] = []
    values = data.values() if isinstance(data, Mapping) else data if isinstance(data, list) else []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            message = (
                item
                if isinstance(item, str)
                else jsonread.first_id(item, "message")
                if isinstance(item, Mapping)
                else None
            )
            if message and message.strip():
                found.append(_clean(message))
    return found


def _from_object(data: Mapping[str, Any], text: str, code: str | None, summary: str | None) -> ErrorText:
    inner = jsonread.mapping(data.get("error")) or data
    reason = jsonread.first_id(inner, "reasonPhrase", "message", "Message")
    correlation = jsonread.first_id(inner, "correlationId")
    parts = [p for p in (summary, reason, *_details(inner.get("data", inner.get("details")))) if p]
    if correlation:
        parts.append(f"(correlation ID {correlation})")
    fault = jsonread.first_whole(inner, "faultCode")
    api_code = code or jsonread.first_id(inner, "code") or (str(fault) if fault is not None else None)
    return ErrorText(text, api_code, fault, _clean(" ".join(parts)) if parts else None, correlation)


def _from_text(text: str) -> ErrorText:
    """`ICH50400 - Sentence. {json}`, or any other text (kept whole)."""
    shown = _clean(text)
    coded = _CODED.fullmatch(text)
    if coded is None:
        return ErrorText(shown or None, message=shown or None)
    rest = coded["rest"]
    start = rest.find("{")
    if start >= 0:
        try:
            data, _ = json.JSONDecoder().raw_decode(rest, start)
        except ValueError:
            data = None
        if isinstance(data, Mapping):
            summary = _clean(rest[:start]) or None
            return _from_object(data, shown, coded["code"], summary)
    return ErrorText(shown, coded["code"], message=_clean(rest) or None)


def parse_error_body(body: bytes) -> ErrorText:
    raw = body.decode("utf-8", errors="replace").strip()
    if not raw or raw.startswith("<"):
        return ErrorText()
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return _from_text(raw)
    if isinstance(data, str):
        return _from_text(data)
    if isinstance(data, Mapping):
        return _from_object(data, _clean(raw), None, None)
    return ErrorText(_clean(raw), message=_clean(raw))
