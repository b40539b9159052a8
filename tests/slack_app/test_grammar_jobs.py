"""`job=`: the configure-job form of `cancel` and `status` (the Product Ingestion backend)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.targets import JobTarget, PublishTarget
from slack_app import grammar
from slack_app.actions import CancelTicket, InvalidValue, OfferRef
from slack_app.grammar import Cancel, ParseError, Status, parse, render

JOB = "d4261631-c09d-4c5f-8da4-2b5c1b1d2ecc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"cancel contoso o job={JOB}", Cancel(JobTarget("contoso", "o", JOB))),
        (f"cancel job={JOB} contoso o", Cancel(JobTarget("contoso", "o", JOB))),
        (f"CANCEL contoso o JOB={JOB.upper()}", Cancel(JobTarget("contoso", "o", JOB.upper()))),
        (f"status contoso o job={JOB}", Status(JobTarget("contoso", "o", JOB))),
        ("status contoso o", Status(PublishTarget("contoso", "o"))),
    ],
)
def test_job_forms(text: str, expected: grammar.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cancel c o job=", "The job ID is missing."),
        ("cancel c o job=../x", "The job ID '../x' is not valid"),
        (f"cancel c o job={JOB} job={JOB}", "Give job= once"),
        (f"cancel c o job={JOB} notify=a@x.com", "notify= is for CPP cancels only"),
        (f"status c o job={JOB} extra", "I did not expect 'extra' after the offer ID."),
        (f"status c job={JOB}", "The offer ID is missing."),
    ],
)
def test_job_mistakes_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.message.startswith(message)
    assert "job=<jobId>" in caught.value.usage


job_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,40}", fullmatch=True)


@given(job_ids)
def test_rendered_job_commands_parse_back(job_id: str) -> None:
    for command in (Cancel(JobTarget("contoso", "o", job_id)), Status(JobTarget("contoso", "o", job_id))):
        assert parse(render(command)) == command


def test_the_confirmation_and_ops_buttons_carry_the_job_and_validate_it_again() -> None:
    ticket = CancelTicket("a" * 32, JobTarget("contoso", "o", JOB), (), "U0ALICE", "2026-12-01T10:00:00Z")
    assert CancelTicket.from_value(ticket.to_value()) == ticket
    assert '"j"' not in CancelTicket("a" * 32, PublishTarget("contoso", "o")).to_value(), (
        "a CPP ticket is as it always was"
    )
    assert OfferRef.from_value(OfferRef(JobTarget("contoso", "o", JOB)).to_value()) == OfferRef(
        JobTarget("contoso", "o", JOB)
    )
    with pytest.raises(InvalidValue):
        OfferRef.from_value('{"p": "contoso", "o": "o", "j": "../../x"}')
