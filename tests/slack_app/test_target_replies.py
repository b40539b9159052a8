"""The "are you sure" of a configure job's cancel (pure rendering)."""

from __future__ import annotations

from backends.base import Look
from backends.ingestion.models import PARTIAL_WARNING, ConfigureStatus
from cppcancel.targets import JobTarget
from slack_app.actions import CancelTicket
from slack_app.target_replies import confirmation_message
from tests.slack_app.helpers import check_dialog, find_button

JOB = "d4261631-c09d-4c5f-8da4-2b5c1b1d2ecc"
TICKET = CancelTicket("a" * 32, JobTarget("contoso", "saas", JOB), (), "U0ALICE", "2026-01-01T00:00:00Z")


def test_a_job_confirmation_warns_and_carries_the_job_behind_slacks_plain_text_dialog() -> None:
    status = ConfigureStatus.from_json({"jobId": JOB, "jobStatus": "running", "jobResult": "pending"})
    message = confirmation_message(TICKET, Look(status.as_operation()), lookup_problem=None, ref="r1")
    blocks = list(message.blocks)
    confirm = find_button(blocks, "confirm_cancel")
    check_dialog(confirm["confirm"])
    assert JOB in confirm["confirm"]["text"]["text"]
    assert CancelTicket.from_value(confirm["value"]) == TICKET
    assert PARTIAL_WARNING in str(blocks) and "Asked by <@U0ALICE>" in str(blocks)
    assert find_button(blocks, "abort_cancel")["value"] == confirm["value"]
