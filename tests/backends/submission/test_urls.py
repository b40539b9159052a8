"""The URLs the token may go to, as pure functions: the offer filter quoted right, next links resolved the way
Microsoft's own client reads them, and everything that would leave the base URL's origin or path refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.http.errors import UnsafeUrl
from backends.submission import urls
from cppcancel.identifiers import InvalidInput

BASE = "https://api.partner.microsoft.com/v1.0/ingestion"
COLLECTION = f"{BASE}/products/8faa69e0-0de3-4c4e-ad7e-617ac7f6591b/submissions"


def test_the_offer_filter_is_the_documented_one() -> None:
    assert urls.offer_filter("Contoso-App") == (
        "externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq 'contoso-app')"
    )
    assert urls.products_by_offer_url(BASE, "a.b").startswith(f"{BASE}/products?$filter=externalIDs%2FAny%28i%3Ai")


@given(st.text(max_size=30))
def test_an_odata_literal_always_reads_back_as_the_value(value: str) -> None:
    literal = urls.odata_string(value)
    assert literal[0] == literal[-1] == "'" and re.fullmatch(r"'(?:[^']|'')*'", literal, re.DOTALL)
    assert literal[1:-1].replace("''", "'") == value


@pytest.mark.parametrize("offer", ["", "it's", "a b", "../x", "x" * 101])
def test_an_offer_id_that_is_not_one_builds_no_filter(offer: str) -> None:
    with pytest.raises(InvalidInput):
        urls.offer_filter(offer)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        # recorded traffic: relative to the host's root, the base path included
        (
            "v1.0/ingestion/products/8faa69e0-0de3-4c4e-ad7e-617ac7f6591b/submissions?$skipToken=eyJ",
            f"{COLLECTION}?$skipToken=eyJ",
        ),
        ("products/8faa69e0-0de3-4c4e-ad7e-617ac7f6591b/submissions?$skipToken=1", f"{COLLECTION}?$skipToken=1"),
        (
            "/v1.0/ingestion/products/8FAA69E0-0de3-4c4e-ad7e-617ac7f6591b/submissions?$skipToken=2#frag",
            f"{BASE}/products/8FAA69E0-0de3-4c4e-ad7e-617ac7f6591b/submissions?$skipToken=2",
        ),
        (f"{COLLECTION}?$skipToken=3", f"{COLLECTION}?$skipToken=3"),  # @odata.nextLink, absolute
    ],
)
def test_next_links_that_stay_in_the_collection_are_followed(link: str, expected: str) -> None:
    assert urls.resolve_next_link(BASE, link, COLLECTION) == expected


@pytest.mark.parametrize(
    "link",
    [
        "https://api.partner.microsoft.com.evil.example/v1.0/ingestion/products",
        "https://api.partner.microsoft.com:8443/v1.0/ingestion/products",
        "http://api.partner.microsoft.com/v1.0/ingestion/products",
        "https://x@api.partner.microsoft.com/v1.0/ingestion/products",
        "https://api.partner.microsoft.com/v1.0/me",
        "https://api.partner.microsoft.com/v1.0/ingestionx/products",
        "v1.0/ingestion/products/%2e%2e/x",
        "v1.0/ingestion/./products",
        "//api.partner.microsoft.com/v1.0/ingestion/products",
        "mailto:someone@example.com",
        "v1.0/ingestion/products/\u00e9",
        "",
    ],
)
def test_next_links_that_leave_are_refused(link: str) -> None:
    with pytest.raises(UnsafeUrl, match="was not followed"):
        urls.resolve_next_link(BASE, link, f"{BASE}/products")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (f"{BASE}/products/p-1/submissions/1152921505695125040", True),
        (f"{BASE}/products/p-1", False),
        (f"{BASE}/products/p-1/submissions", False),
        (f"{BASE}/products/p-1/submissions/1/promote", False),
        (f"{BASE}/products/p-1/variants/1", False),
        (f"{BASE}/products/p-1/submissions/1?x=1", False),
        ("https://api.partner.microsoft.com/v2.0/ingestion/products/p-1/submissions/1", False),
    ],
)
def test_a_delete_may_name_one_submission_only(url: str, allowed: bool) -> None:
    if allowed:
        urls.ensure_submission_delete(BASE, url)
    else:
        with pytest.raises(UnsafeUrl):
            urls.ensure_submission_delete(BASE, url)
