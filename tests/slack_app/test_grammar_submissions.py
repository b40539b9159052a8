"""`submission=`: an Azure Application's in-progress submission in `cancel` and `status` (the submission backend)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.targets import SubmissionTarget
from slack_app.actions import CancelTicket, OfferRef
from slack_app.grammar import Cancel, ParseError, Status, parse, render

SUBMISSION = "1152921505695131000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"cancel contoso o submission={SUBMISSION}", Cancel(SubmissionTarget("contoso", "o", SUBMISSION))),
        (f"Cancel SUBMISSION={SUBMISSION} contoso o", Cancel(SubmissionTarget("contoso", "o", SUBMISSION))),
        (f"status contoso o submission={SUBMISSION}", Status(SubmissionTarget("contoso", "o", SUBMISSION))),
    ],
)
def test_submission_forms(text: str, expected: Cancel | Status) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cancel c o submission=", "The submission ID is missing."),
        ("cancel c o submission=../x", "The submission ID '../x' is not valid"),
        (f"cancel c o submission={SUBMISSION} submission=1", "Give submission= once"),
        (f"cancel c o submission={SUBMISSION} job=abc", "Name a job= or a submission=, not both."),
        (f"cancel c o submission={SUBMISSION} notify=a@x.com", "notify= is for CPP cancels only"),
    ],
)
def test_submission_mistakes_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.message.startswith(message)
    assert "submission=<submissionId>" in caught.value.usage


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,40}", fullmatch=True))
def test_rendered_submission_commands_parse_back(submission_id: str) -> None:
    for command in (
        Cancel(SubmissionTarget("c", "o", submission_id)),
        Status(SubmissionTarget("c", "o", submission_id)),
    ):
        assert parse(render(command)) == command


def test_the_buttons_carry_the_submission_and_read_it_back() -> None:
    ticket = CancelTicket("a" * 32, SubmissionTarget("contoso", "o", SUBMISSION), (), "U0ALICE", "2026-12-01T10:00:00Z")
    assert CancelTicket.from_value(ticket.to_value()) == ticket
    ref = OfferRef(SubmissionTarget("contoso", "o", SUBMISSION))
    assert OfferRef.from_value(ref.to_value()) == ref
