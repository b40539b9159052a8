"""The replies to commands and clicks: fallbacks everywhere, Slack's limits respected, a next step for every error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from backends.http import errors
from backends.http.operation import Operation
from cppcancel.audit import AuditRecord
from cppcancel.targets import JobTarget, PublishTarget
from slack_app import replies
from slack_app.actions import CancelTicket
from slack_app.blockkit import MAX_BUTTON_TEXT, Message
from slack_app.mrkdwn import MAX_BLOCKS, MAX_SECTION_CHARS
from tests.slack_app.helpers import check_dialog

TICKET = CancelTicket(
    "a" * 32, PublishTarget("contoso", "contoso-vm-offer"), ("ops@contoso.com",), "U0ALICE", "2026-01-01T00:00:00Z"
)


def operation(status: str = "running", **extra: Any) -> Operation:
    data = {
        "id": "op-1",
        "status": status,
        "submissionType": "Publish",
        "createdDateTime": "2026-01-01T10:00:00.1234567Z",
        "steps": [
            {"stepName": "Validate", "status": "complete", "progressPercentage": 100},
            {
                "stepName": "Certification",
                "status": "inProgress",
                "progressPercentage": 40,
                "estimatedTimeFrame": "< 1 day",
                "messages": [{"messageHtml": "Scanning <b>images</b> &amp; disks<br/>now <!channel>"}],
            },
            {"stepName": "Live", "status": "notStarted", "progressPercentage": 0},
        ],
        **extra,
    }
    return Operation.from_json(data)


def all_text(message: Message) -> str:
    return json.dumps(message.to_kwargs())


def check_limits(message: Message) -> None:
    assert message.text, "a plain-text fallback"
    assert len(message.blocks) <= MAX_BLOCKS
    for block in message.blocks:
        text = block.get("text", {}).get("text", "")
        assert len(text) <= MAX_SECTION_CHARS
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= MAX_BUTTON_TEXT
                assert len(element["value"]) <= 2000
                if "confirm" in element:
                    check_dialog(element["confirm"])


def test_status_shows_steps_progress_and_the_latest_step_message() -> None:
    message = replies.status_message("contoso", "o", operation(), command="/cpp", ref="r1")
    check_limits(message)
    text = all_text(message)
    assert "*Certification* - inProgress, 40%, &lt; 1 day" in text
    assert "Scanning images &amp; disks" in text
    assert "<!channel>" not in text and "<b>" not in text
    assert "To stop it: `/cpp cancel contoso o`" in text
    assert message.text == "contoso/o: publish running, on step Certification."


def test_status_without_operations() -> None:
    message = replies.status_message("contoso", "o", None, command="/cpp", ref="r1")
    assert "lists no operations" in all_text(message)


def test_ops_truncates_long_lists_and_buttons_only_in_flight() -> None:
    ops = [operation("running")] + [operation("completed", id=f"old-{i}") for i in range(30)]
    message = replies.ops_message("contoso", "o", ops, command="/cpp", ref="r1")
    check_limits(message)
    assert "Showing the 10 most recent of 31." in all_text(message)
    assert all_text(message).count('"open_cancel"') == 1


def test_confirmation_is_a_danger_button_with_a_confirm_dialog() -> None:
    message = replies.confirmation_message(TICKET, operation(), lookup_problem=None, ref="r1")
    check_limits(message)
    actions = next(b for b in message.blocks if b["type"] == "actions")
    confirm, abort = actions["elements"]
    assert (confirm["action_id"], confirm["style"]) == ("confirm_cancel", "danger")
    assert confirm["confirm"]["title"]["text"] == "Cancel this publish?"
    assert len(confirm["confirm"]["text"]["text"]) <= 300
    assert CancelTicket.from_value(confirm["value"]) == TICKET
    assert abort["action_id"] == "abort_cancel" and "style" not in abort
    assert "Asked by <@U0ALICE>" in all_text(message)


def test_confirmation_with_long_ids_stays_within_dialog_limits() -> None:
    ticket = CancelTicket("b" * 32, PublishTarget("p" * 100, "o" * 100))
    message = replies.confirmation_message(ticket, None, lookup_problem=None, ref="r1")
    check_limits(message)
    dialog = next(b for b in message.blocks if b["type"] == "actions")["elements"][0]["confirm"]
    assert len(dialog["text"]["text"]) <= 300


def test_confirmation_when_the_lookup_failed_explains_and_still_offers_confirm() -> None:
    message = replies.confirmation_message(TICKET, None, lookup_problem="timeout <x>", ref="r1")
    assert "I could not check what is in flight (timeout &lt;x&gt;)" in all_text(message)
    assert "(could not check what is in flight)" in message.text, "the fallback text agrees with the blocks"
    assert "nothing in flight" not in message.text.lower()


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        (errors.Forbidden("no", status_code=403), "add the app's identity to publisher `contoso`"),
        (errors.NotFound("no", status_code=404), "Check the publisher and offer IDs"),
        (errors.InvalidRequest("no", status_code=400), "Check the publisher and offer IDs"),
        (errors.Unauthorized("no", status_code=401), "could not sign in"),
        (errors.ServerError("no", status_code=502), "Try again in a minute."),
        (errors.ApiTimeout("no"), "Try again in a minute."),
        (errors.InvalidResponse("no"), "quote the ref below"),
    ],
)
def test_every_cpp_error_comes_with_a_next_step(error: errors.ApiError, advice: str) -> None:
    message = replies.cpp_error_message("contoso", "o", error, "r1")
    check_limits(message)
    assert advice in all_text(message)
    assert "`contoso/o`" in all_text(message)


def test_help_says_which_api_serves_which_offer() -> None:
    """The CPP is in maintenance mode (offers from before Partner Center); the Product Ingestion API serves SaaS, VM,
    container and private offers (a configure job: `job=`); Azure Application offers need the Partner Center
    submission API, for the publishers a deployment serves (`submission=`)."""
    text = all_text(replies.help_message("/cpp"))
    assert "before the move to Partner Center" in text and "maintenance mode" in text
    assert "Product Ingestion API" in text and "SaaS, VM, container and private offers" in text and "job=" in text
    assert "Azure Application offers" in text and "Partner Center submission API" in text
    assert "SUBMISSION_API_PUBLISHERS" in text and "submission=" in text


def test_an_offer_the_partner_portal_does_not_know_points_at_the_other_apis() -> None:
    message = replies.cpp_error_message("contoso", "o", errors.NotFound("no", status_code=404), "r1")
    text = all_text(message)
    assert "Check the publisher and offer IDs" in text and "`job=&lt;jobId&gt;`" in text  # mrkdwn-escaped


@pytest.mark.parametrize(
    "message",
    [
        replies.help_message("/cpp"),
        replies.help_message("/cpp", "bogus"),
        replies.parse_error_message("/cpp", "The offer ID is missing.", "ops <publisher> <offer>"),
        replies.refusal_message("Missing permission: channel.", "r1"),
        replies.unexpected_error_message("r1"),
        replies.invalid_button_message("r1"),
        replies.requested_message(PublishTarget("contoso", "o"), "U0ALICE", datetime(2026, 1, 1, tzinfo=UTC)),
        replies.already_requested_message("contoso", "o", None, None),
        replies.start_failed_message("contoso", "o", "r1"),
        replies.abandoned_message("contoso", "o", "U0ALICE"),
        replies.stopped_watching_message("contoso", "o"),
        replies.watch_gone_message("contoso", "o"),
        replies.audit_message(AuditRecord("slack", "ops", "refused", "refused", "r1", who="U0ALICE")),
    ],
)
def test_every_message_has_a_fallback_and_respects_limits(message: Message) -> None:
    check_limits(message)


def test_confirmation_never_promises_that_notify_addresses_are_mailed() -> None:
    """The 2020 CPP overview: for migrated offers the listed addresses are no longer mailed (the seller contact is)."""
    text = all_text(replies.confirmation_message(TICKET, None, lookup_problem=None, ref="r1"))
    assert "ops@contoso.com" in text
    assert "will go to" not in text and "seller contact instead" in text


def test_confirms_first_answer_names_the_api_the_cancel_goes_to() -> None:
    at = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert (
        "sending it to the Partner Portal"
        in replies.requested_message(PublishTarget("contoso", "o"), "U0ALICE", at).text
    )
    job = replies.requested_message(JobTarget("contoso", "o", "job-7"), "U0ALICE", at)
    assert "configure job job-7 of contoso/o" in job.text
    assert "sending it to the Product Ingestion API" in job.text and "Partner Portal" not in all_text(job)
