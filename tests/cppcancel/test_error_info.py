"""`ErrorInfo` reads the error JSON of today's (and yesterday's) histories tolerantly, and writes the keys the app has
always written."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backends.http.errors import ApiTimeout, Forbidden, Throttled
from cppcancel.contracts import CancelOutcome
from cppcancel.error_info import ErrorInfo
from cppcancel.sending import NotRepeated

KEYS = ["code", "message", "statusCode", "apiCode", "transient", "retryAfterS", "outcomeUnknown", "publishOperationUrl"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


@given(st.dictionaries(st.sampled_from([*KEYS, "somethingNew", "x"]), JSON_VALUES, max_size=10))
def test_any_error_json_is_read_and_what_it_says_is_typed(data: dict[str, Any]) -> None:
    info = ErrorInfo.from_json(data)
    again = ErrorInfo.from_json(info.to_json())
    assert again == info, "what was read is what is written"
    assert isinstance(info.code, str) and isinstance(info.message, str) and isinstance(info.transient, bool)
    assert info.status_code is None or type(info.status_code) is int


def test_a_cpp_error_reads_back_typed() -> None:
    error = Throttled("Too many requests.", status_code=429, retry_after_s=7).to_json()
    info = ErrorInfo.from_json(error)
    assert (info.code, info.status_code, info.transient, info.retry_after_s) == ("throttled", 429, True, 7)
    assert not info.outcome_unknown and info.message.startswith("Too many requests.")
    assert json.dumps(info.to_json()) == json.dumps(error)
    timeout = ErrorInfo.from_json({**ApiTimeout("No answer.").to_json(), "outcomeUnknown": True})
    assert timeout.outcome_unknown and timeout.transient


def test_an_error_built_in_code_writes_the_layout_the_app_always_wrote() -> None:
    assert ErrorInfo("settings", "CPP_BASE_URL is missing.").to_json() == {
        "code": "settings",
        "message": "CPP_BASE_URL is missing.",
        "statusCode": None,
        "apiCode": None,
        "transient": False,
        "retryAfterS": None,
    }
    assert list(NotRepeated("https://x/op").error_json())[-1] == "publishOperationUrl"
    assert list(Forbidden("No.", status_code=403).to_json()) == KEYS[:7]
    assert ErrorInfo.none().to_json() == {} and ErrorInfo.none().is_empty


def test_values_of_another_type_are_read_as_before() -> None:
    info = ErrorInfo.from_json({"code": 5, "transient": 1, "statusCode": "403", "retryAfterS": True})
    assert (info.code, info.transient, info.status_code, info.retry_after_s) == ("5", True, None, None)


def test_a_cancel_outcome_keeps_its_error_json_and_treats_an_empty_one_as_none() -> None:
    error = Forbidden("No access.", status_code=403).to_json()
    outcome = CancelOutcome.from_json({"status": "failed", "statusCode": 403, "error": error})
    assert outcome.error is not None and outcome.error.code == "forbidden"
    assert json.dumps(outcome.to_json()["error"]) == json.dumps(error)
    assert CancelOutcome("failed", 403, error=error) == outcome  # JSON handed in is parsed once, at construction
    assert CancelOutcome.from_json({"status": "failed", "error": {}}).error is None
    assert CancelOutcome("failed", error={}).to_json()["error"] is None
