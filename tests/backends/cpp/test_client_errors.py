"""Every status code the client can meet, mapped to its error class with the API's own words."""

from __future__ import annotations

import pytest

from backends.cpp.client import CppClient
from backends.http import errors
from backends.http.transport import error_details, parse_retry_after
from devhost.standins.cpp import AUTH_ABSENT, AUTH_INVALID, EmulatorServer, Fault
from tests.backends.cpp.conftest import make_client

VM = ("contoso", "contoso-vm-offer")


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.InvalidRequest),
        (401, errors.Unauthorized),
        (403, errors.Forbidden),
        (404, errors.NotFound),
        (405, errors.InvalidRequest),
        (409, errors.Conflict),
        (418, errors.InvalidRequest),
        (429, errors.Throttled),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (503, errors.ServerError),
        (504, errors.ServerError),
        (501, errors.ServerError),
        (201, None),
        (304, errors.InvalidResponse),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_status_codes_map_to_error_classes(
    emulator: EmulatorServer, status: int, error_class: type[errors.ApiError] | None, method: str
) -> None:
    client = make_client(emulator, max_retries=0)
    body = '{"error": {"code": "SomeCode", "message": "The API says why."}}' if status >= 400 else ""
    emulator.add_fault(Fault(method=method, status=status, body=body))
    call = (lambda: client.cancel(*VM)) if method == "POST" else (lambda: client.list_operations(*VM))
    if error_class is None:
        if method == "POST":
            assert call() is not None
        else:
            with pytest.raises(errors.InvalidResponse, match="not JSON"):
                call()
        return
    with pytest.raises(error_class) as info:
        call()
    error = info.value
    assert error.status_code == status
    assert f"(HTTP {status})" in error.describe()
    if status >= 400:
        assert error.api_code == "SomeCode"
        assert error.api_message == "The API says why."
        assert "The Partner Portal said: The API says why." in error.describe()
    if status >= 500 and method == "POST":
        assert "may or may not" in error.message
        assert "/cpp ops" in error.message
    assert error.transient is (status == 429 or status >= 500)


def test_real_401_403_404_400_from_the_emulator(emulator: EmulatorServer) -> None:
    bad_token = CppClient(emulator.base_url, _Token("wrong"), max_retries=0)
    with pytest.raises(errors.Unauthorized):
        bad_token.cancel(*VM)
    assert emulator.requests[-1].auth == AUTH_INVALID
    assert emulator.cancel_count() == 1

    client = make_client(emulator)
    with pytest.raises(errors.Forbidden) as forbidden:
        client.cancel("fabrikam", "fabrikam-vm-offer")
    assert "'fabrikam'" in forbidden.value.message
    assert "Microsoft Entra applications" in forbidden.value.message
    with pytest.raises(errors.NotFound):
        client.cancel("contoso", "no-such-offer")
    with pytest.raises(errors.NotFound):
        client.list_operations("nobody", "offer")
    with pytest.raises(errors.NotFound):
        client.get_operation(f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/nope")

    old_api = make_client(emulator, api_version="2099-01-01")
    with pytest.raises(errors.InvalidRequest) as bad_version:
        old_api.list_operations(*VM)
    assert bad_version.value.api_code == "InvalidAPIVersion"
    assert "2099-01-01" in (bad_version.value.api_message or "")


def test_no_bearer_at_all_is_401(emulator: EmulatorServer) -> None:
    import requests

    answer = requests.get(f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/submissions/", timeout=5)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert emulator.requests[-1].auth == AUTH_ABSENT


class _Token:
    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self) -> str:
        return self.token


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b'{"error": {"code": "InvalidAPIVersion", "message": "Bad version."}}', "InvalidAPIVersion", "Bad version."),
        (b'{"message": "Only a message."}', None, "Only a message."),
        (b'{"Message": "Capitalised."}', None, "Capitalised."),
        (b'{"code": "X", "message": "Flat."}', "X", "Flat."),
        (b'{"error": "just text"}', None, "just text"),
        (b'[{"error": {"code": "A", "message": "In an array."}}]', "A", "In an array."),
        (b"plain text failure", None, "plain text failure"),
        (b"<html><body>Bad gateway</body></html>", None, None),
        (b"", None, None),
        (b"42", None, "42"),
        (b'{"error": {"code": 5, "message": ["x"]}}', None, None),
        (b"line one\r\n\tline\x00two", None, "line one line two"),
    ],
)
def test_error_details(body: bytes, code: str | None, message: str | None) -> None:
    assert error_details(body) == (code, message)


def test_long_error_text_is_truncated() -> None:
    _, message = error_details(b"x" * 5000)
    assert message is not None
    assert len(message) == 300
    assert message.endswith("...")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, None), ("", None), ("5", 5.0), (" 12 ", 12.0), ("soon", None), ("-3", None)],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_http_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert (parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT") or 0) > 0


def test_plain_text_error_body_reaches_the_person(emulator: EmulatorServer) -> None:
    client = make_client(emulator, max_retries=0)
    emulator.add_fault(Fault(method="GET", status=409, body="Offer is locked by another operation"))
    with pytest.raises(errors.Conflict) as info:
        client.list_operations(*VM)
    assert "Offer is locked by another operation" in info.value.describe()


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("{not json", "not JSON"),
        ('"a string"', "not in the documented shape"),
        ("[]", "empty array"),
        ("[42]", "not an object"),
        ("null", "not in the documented shape"),
    ],
)
def test_single_operation_wrong_shapes(emulator: EmulatorServer, body: str, match: str) -> None:
    client = make_client(emulator)
    emulator.add_fault(Fault(method="GET", path="/operations/", status=200, body=body))
    with pytest.raises(errors.InvalidResponse, match=match):
        client.get_operation(f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/x")


@pytest.mark.parametrize("body", ["{not json", '{"foo": 1}', '"text"', "7"])
def test_list_wrong_shapes(emulator: EmulatorServer, body: str) -> None:
    client = make_client(emulator)
    emulator.add_fault(Fault(method="GET", path="/submissions", status=200, body=body))
    with pytest.raises(errors.InvalidResponse):
        client.list_operations(*VM)


def test_malformed_json_fault(emulator: EmulatorServer) -> None:
    client = make_client(emulator)
    emulator.add_fault(Fault(method="GET", path="/submissions", malformed_json=True))
    with pytest.raises(errors.InvalidResponse, match="not JSON"):
        client.list_operations(*VM)
    assert len(client.list_operations(*VM)) == 2  # the fault was for one request


def test_redirect_is_never_followed(emulator: EmulatorServer) -> None:
    client = make_client(emulator)
    same_origin = f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/submissions/"
    emulator.add_fault(Fault(method="GET", redirect_to=same_origin))
    with pytest.raises(errors.InvalidResponse, match="never follows redirects") as info:
        client.list_operations(*VM)
    assert info.value.status_code == 302
    assert len(emulator.requests) == 1


def test_an_offer_the_partner_portal_does_not_know_says_where_to_look(emulator: EmulatorServer) -> None:
    """The CPP is in maintenance mode, for offers integrated before Partner Center: its 404 for an offer names the
    APIs that serve the others (the Product Ingestion API with a configure job, Azure Applications elsewhere)."""
    client = make_client(emulator, max_retries=0)
    for call in (lambda: client.list_operations("contoso", "no-such-offer"), lambda: client.cancel("contoso", "nope")):
        with pytest.raises(errors.NotFound) as info:
            call()
        said = info.value.describe()
        assert "check the publisher and offer IDs" in said
        assert said.index("(HTTP 404)") < said.index("maintenance mode"), "the facts first, then where to look"
        assert "before the move to Partner Center" in said and "Product Ingestion API" in said and "job" in said
        assert "Azure Application" in said and "Partner Center submission API" in said


def test_a_missing_operation_is_not_blamed_on_the_offers_api(emulator: EmulatorServer) -> None:
    client = make_client(emulator, max_retries=0)
    with pytest.raises(errors.NotFound) as info:
        client.get_operation(f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/nope")
    assert "Product Ingestion API" not in info.value.describe()
