"""Error bodies: the recorded string holding JSON, a bare string, other shapes - the API's words always survive."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.submission.error_body import MAX_TEXT, ErrorText, parse_error_body

# Recorded by Microsoft's CLI extension (tests/latest/recordings), as the body's bytes.
RECORDED = json.dumps(
    'ICH50400 - Unable to complete request. {"faultCode":50400,"reasonPhrase":"Request validation failed.",'
    '"correlationId":"808f5191-e926-4ba0-b167-d1c0f04ebca8","operationId":"1cdfd6fbf1a6b992666e80aa9e781e13",'
    '"data":{"FeatureName":["The field FeatureName is invalid."]}}'
).encode()


def test_the_recorded_string_holding_json() -> None:
    error = parse_error_body(RECORDED)
    assert (error.code, error.fault_code) == ("ICH50400", 50400)
    assert error.correlation_id == "808f5191-e926-4ba0-b167-d1c0f04ebca8"
    assert error.message == (
        "Unable to complete request. Request validation failed. The field FeatureName is invalid. "
        "(correlation ID 808f5191-e926-4ba0-b167-d1c0f04ebca8)"
    )
    assert error.text is not None and error.text.startswith("ICH50400 - Unable to complete request. {")


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b'"Request rate exceeds limit"', None, "Request rate exceeds limit"),
        (b"Request rate exceeds limit", None, "Request rate exceeds limit"),
        (b"ICH40400 - The submission was not found.", "ICH40400", "The submission was not found."),
        (b'"ICH40900 - Conflict. {not json"', "ICH40900", "Conflict. {not json"),
        (b'{"error": {"code": "badRequest", "message": "No."}}', "badRequest", "No."),
        (
            b'{"code": "Conflict", "message": "Only an InProgress submission."}',
            "Conflict",
            "Only an InProgress submission.",
        ),
        (b'{"faultCode": 42900, "reasonPhrase": "Too many requests."}', "42900", "Too many requests."),
        (b"[1, 2]", None, "[1, 2]"),
    ],
)
def test_other_shapes_keep_the_words(body: bytes, code: str | None, message: str) -> None:
    error = parse_error_body(body)
    assert (error.code, error.message) == (code, message)


@pytest.mark.parametrize("body", [b"", b"   ", b"<html><body>502 Bad Gateway</body></html>", b'""'])
def test_nothing_a_person_can_use_gives_no_text(body: bytes) -> None:
    assert parse_error_body(body) == ErrorText()


def test_control_characters_are_removed_and_long_text_capped() -> None:
    error = parse_error_body(json.dumps("bad\x00\nthing " + "x" * 2000).encode())
    assert error.text is not None and len(error.text) == MAX_TEXT and error.text.startswith("bad thing x")


@given(st.binary(max_size=300))
def test_no_body_makes_it_raise(body: bytes) -> None:
    error = parse_error_body(body)
    assert error.text is None or len(error.text) <= MAX_TEXT


@given(
    st.integers(min_value=100, max_value=99999),
    st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=40),
)
def test_any_coded_string_holding_json_gives_its_code_and_reason(fault: int, reason: str) -> None:
    inner = json.dumps({"faultCode": fault, "reasonPhrase": reason})
    error = parse_error_body(json.dumps(f"ICH{fault} - Unable to complete request. {inner}").encode())
    assert (error.code, error.fault_code) == (f"ICH{fault}", fault)
    assert error.message is not None and error.message.startswith("Unable to complete request.")
    assert " ".join(reason.split()) in error.message
