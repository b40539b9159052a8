"""The URL guard: which operation URLs may receive the bearer token. Pure, no network."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.cpp.urlguard import resolve_operation_url
from backends.http.errors import UnsafeUrl
from backends.http.urlguard import ensure_same_origin

BASE = "https://cloudpartner.azure.com"
OP = "/api/publishers/contoso/offers/contoso-vm-offer/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (BASE + OP, BASE + OP),
        (BASE + OP + "?api-version=2017-10-31", BASE + OP + "?api-version=2017-10-31"),
        ("HTTPS://CloudPartner.Azure.com:443" + OP, "https://cloudpartner.azure.com:443" + OP),
        (OP + "?api-version=2017-10-31", BASE + OP + "?api-version=2017-10-31"),  # 2020 relative Location
        (
            "/api/operations/contoso$contoso-vm-offer$2$preview?api-version=2017-10-31",
            BASE + "/api/operations/contoso$contoso-vm-offer$2$preview?api-version=2017-10-31",
        ),
        ("/api/operations/contoso%24offer%242%24preview", BASE + "/api/operations/contoso%24offer%242%24preview"),
        (BASE + OP + "#frag", BASE + OP),
    ],
)
def test_accepts_the_documented_forms(location: str, expected: str) -> None:
    assert resolve_operation_url(BASE, location) == expected


def test_base_url_with_a_path_prefix() -> None:
    base = "https://gateway.example.com/cpp"
    assert resolve_operation_url(base, OP) == base + OP
    assert resolve_operation_url(base, "/cpp" + OP) == base + OP
    with pytest.raises(UnsafeUrl, match="outside"):
        resolve_operation_url(base, "https://gateway.example.com" + OP)


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("https://evil.example.com" + OP, "not to the Partner Portal"),
        ("https://cloudpartner.azure.com.evil.example.com" + OP, "not to the Partner Portal"),
        ("https://cloudpartner.azure.com:8443" + OP, "not to the Partner Portal"),
        ("http://cloudpartner.azure.com" + OP, "uses http://"),
        ("ftp://cloudpartner.azure.com" + OP, "neither an absolute"),
        ("https://user:pw@cloudpartner.azure.com" + OP, "user-info"),
        ("https://cloudpartner.azure.com@evil.example.com" + OP, "user-info"),
        ("https://@cloudpartner.azure.com" + OP, "user-info"),
        ("//evil.example.com" + OP, "protocol-relative"),
        ("https://cloudpartner.azure.com/_emulator/requests", "outside"),
        ("https://cloudpartner.azure.com/api/publisherz/x", "outside"),
        ("https://cloudpartner.azure.com/", "outside"),
        ("/api/publishers/../../admin", "dot-segment"),
        ("/api/publishers/contoso/./offers", "dot-segment"),
        ("/api/publishers/%2e%2e/x", "dot-segment"),
        ("/api/publishers/.%2E/x", "dot-segment"),
        ("/api/publishers/a%2fb", "encoded slash"),
        ("/api/publishers/a%2Fb", "encoded slash"),
        ("/api/publishers/a%5cb", "encoded slash"),
        ("/api/publishers/a%252fb", "encoded slash"),
        ("/api/publishers/a%00b", "control"),
        ("/api/publishers/a%ffb", "not UTF-8"),
        ("/api/publishers/a\\b", "backslash"),
        ("https://cloudpartner.azure.com\\@evil.example.com" + OP, "backslash"),
        ("/api/publishers/a\r\nX-Injected: 1", "control"),
        ("/api/publishers/a b", "whitespace"),
        ("/api/publishers/\u00e9", "non-ASCII"),
        ("https://cloudpartner.azure.com:99999" + OP, "not a valid URL"),
        ("api/publishers/x", "neither an absolute"),
        ("", "empty"),
        ("https://cloudpartner.azure.com/api/publishers/" + "a" * 3000, "too long"),
    ],
)
def test_refuses_with_a_clear_reason(location: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        resolve_operation_url(BASE, location)


def test_http_is_the_scheme_only_when_the_base_is_http() -> None:
    base = "http://127.0.0.1:8081"
    assert resolve_operation_url(base, OP) == base + OP
    with pytest.raises(UnsafeUrl, match="uses https://"):
        resolve_operation_url(base, "https://127.0.0.1:8081" + OP)
    with pytest.raises(UnsafeUrl, match="not to the Partner Portal"):
        resolve_operation_url(base, "http://localhost:8081" + OP)


def test_ensure_same_origin() -> None:
    ensure_same_origin(BASE, BASE + "/anything?x=1")
    ensure_same_origin(BASE, "https://cloudpartner.azure.com:443/x")
    for url in ("https://evil.example.com/", "http://cloudpartner.azure.com/", "https://u@cloudpartner.azure.com/"):
        with pytest.raises(UnsafeUrl):
            ensure_same_origin(BASE, url)


def test_messages_never_echo_huge_or_unprintable_input() -> None:
    with pytest.raises(UnsafeUrl) as info:
        resolve_operation_url(BASE, "https://evil.example.com/" + "x" * 500)
    assert len(info.value.message) < 400


@given(st.text(max_size=80))
def test_anything_accepted_stays_on_the_api(location: str) -> None:
    """Property: whatever string comes back, an accepted URL is the Partner Portal's own operation API."""
    try:
        url = resolve_operation_url(BASE, location)
    except UnsafeUrl:
        return
    assert url.startswith((BASE + "/api/publishers/", BASE + "/api/operations/"))
    assert ".." not in url.split("?")[0]
    assert "\\" not in url
