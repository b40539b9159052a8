"""IDs and addresses are refused before anything touches the network (nothing reaches the emulator)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from backends.cpp.client import CppClient
from backends.http import errors
from cppcancel.identifiers import InvalidInput, validate_id
from devhost.standins.cpp import EmulatorServer

_NASTY = st.sampled_from(
    ["/", "\\", "%2f", "%2F", "%5c", "..", ".", "?", "#", "&", " ", "\x00", "\n", "\u00e9", "\u202e", "@", ":"]
)
_IDS = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(_NASTY, st.text(alphabet="abc-_.", min_size=1, max_size=4)), max_size=6).map("".join),
)
_PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _is_valid(value: str) -> bool:
    try:
        validate_id("x", value)
    except InvalidInput:
        return False
    return True


@_PROPERTY
@given(publisher=_IDS)
@example(publisher="../contoso")
@example(publisher="contoso/offers/x")
@example(publisher="con%2ftoso")
@example(publisher="contoso\\x")
@example(publisher="contos\u00f8")
@example(publisher="contoso\r\n")
@example(publisher=".")
@example(publisher="..")
@example(publisher="")
@example(publisher="a" * 101)
def test_invalid_publisher_ids_never_reach_the_network(
    client: CppClient, emulator: EmulatorServer, publisher: str
) -> None:
    assume(not _is_valid(publisher))
    before = len(emulator.requests)
    with pytest.raises(InvalidInput):
        client.cancel(publisher, "contoso-vm-offer")
    with pytest.raises(InvalidInput):
        client.list_operations(publisher, "contoso-vm-offer")
    assert len(emulator.requests) == before


@_PROPERTY
@given(offer=_IDS)
def test_invalid_offer_ids_never_reach_the_network(client: CppClient, emulator: EmulatorServer, offer: str) -> None:
    assume(not _is_valid(offer))
    before = len(emulator.requests)
    with pytest.raises(InvalidInput):
        client.cancel("contoso", offer)
    with pytest.raises(InvalidInput):
        client.list_operations("contoso", offer)
    assert len(emulator.requests) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offer=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True))
def test_valid_ids_map_to_exactly_one_path_segment(client: CppClient, emulator: EmulatorServer, offer: str) -> None:
    before = emulator.cancel_count()
    with pytest.raises(errors.NotFound):
        client.cancel("contoso", offer)
    assert emulator.requests[-1].path == f"/api/publishers/contoso/offers/{offer}/cancel"
    assert emulator.cancel_count() == before + 1


@pytest.mark.parametrize(
    "emails",
    [
        ["not-an-address"],
        ["a@x.com", "b@"],
        ["a@x.com\r\nBcc: evil@x.com"],
        ["a@x.com,b@x.com"],  # one item must be one address: no smuggled list
        [f"u{i}@x.com" for i in range(21)],
    ],
)
def test_invalid_addresses_never_reach_the_network(
    client: CppClient, emulator: EmulatorServer, emails: list[str]
) -> None:
    with pytest.raises(InvalidInput):
        client.cancel("contoso", "contoso-vm-offer", emails)
    assert emulator.requests == []
