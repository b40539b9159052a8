"""Identifiers and addresses are refused before any network call, with words a person can act on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.identifiers import (
    MAX_ID_LENGTH,
    InvalidInput,
    parse_publisher_list,
    validate_emails,
    validate_offer_id,
    validate_publisher_id,
)


@pytest.mark.parametrize("value", ["contoso", "contoso-vm-offer", "Offer_1.2", "a"])
def test_valid_ids(value: str) -> None:
    assert validate_offer_id(value) == value.lower()


def test_ids_are_lowercased_once_where_they_come_in() -> None:
    assert validate_publisher_id("CONTOSO") == "contoso"
    assert validate_offer_id("Contoso-VM-Offer") == "contoso-vm-offer"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "..",
        ".hidden",
        "-x",
        "a/b",
        "a%2Fb",
        "a\\b",
        "café",
        "a b",
        "a\nb",
        "a\x00b",
        "x" * (MAX_ID_LENGTH + 1),
    ],
)
def test_invalid_ids_name_the_rule(value: str) -> None:
    with pytest.raises(InvalidInput, match="publisher ID"):
        validate_publisher_id(value)


@given(st.text())
def test_accepted_ids_can_never_escape_a_path_segment(value: str) -> None:
    try:
        validate_offer_id(value)
    except InvalidInput:
        return
    assert "/" not in value and "%" not in value and "\\" not in value
    assert value not in (".", "..") and value.isascii() and value.isprintable()


def test_emails_are_validated_and_deduplicated_in_order() -> None:
    assert validate_emails(["b@contoso.com", "a@contoso.com", "b@contoso.com"]) == (
        "b@contoso.com",
        "a@contoso.com",
    )


@pytest.mark.parametrize("value", ["nobody", "a@b", "a@@b.com", "a@b..com", "<a@b.com>", "a@b.com,c@d.com"])
def test_bad_emails_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="not a valid e-mail"):
        validate_emails([value])


def test_too_many_emails_are_refused() -> None:
    with pytest.raises(InvalidInput, match="Too many"):
        validate_emails([f"u{i}@contoso.com" for i in range(21)])


def test_a_publisher_list_is_validated_lowercased_and_each_kept_once() -> None:
    assert parse_publisher_list("Contoso, fabrikam contoso,, ") == (("contoso", "fabrikam"), [])
    found, problems = parse_publisher_list("contoso * -x")
    assert found == ("contoso",) and len(problems) == 2
    assert "no wildcard" in problems[0] and "no wildcard" not in problems[1]
    assert parse_publisher_list("") == ((), [])
