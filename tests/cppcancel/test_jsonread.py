"""The tolerant reader never raises: a string that only looks like a number is no number (hypothesis found "¹",
which `str.isdigit` accepts and `int` refuses)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.jsonread import whole


@pytest.mark.parametrize(
    ("value", "read"), [("5", 5), (" -12 ", -12), (5.0, 5), ("¹", None), ("--5", None), ("٣", None), (True, None)]
)
def test_whole_numbers_however_written_and_nothing_else(value: object, read: int | None) -> None:
    assert whole(value) == read


@given(st.text(max_size=8))
def test_whole_never_raises_on_text(value: str) -> None:
    found = whole(value)
    assert found is None or str(found) == value.strip().lstrip("+") or int(value) == found
