"""The channel messages of a configure job's cancel: done at once, under way, too late (pure rendering)."""

from __future__ import annotations

from datetime import UTC, datetime

from backends.ingestion.backend import too_late
from backends.ingestion.models import PARTIAL_WARNING
from cppcancel.contracts import CancelOutcome, Requester
from cppcancel.error_info import ErrorInfo
from cppcancel.targets import JobTarget
from slack_app.progress import render_cancel_report

JOB = "d4261631-c09d-4c5f-8da4-2b5c1b1d2ecc"
AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ALICE = Requester(display="alice", user_id="U0ALICE")


def _report(outcome: CancelOutcome) -> str:
    message = render_cancel_report(target=JobTarget("contoso", "saas", JOB), requester=ALICE, outcome=outcome, at=AT)
    return message.text + " " + str(message.blocks)


def test_a_job_cancelled_at_once_warns_about_partial_resources() -> None:
    shown = _report(CancelOutcome("cancelled", 200))
    assert f"configure job `{JOB}` cancelled by <@U0ALICE>" in shown and PARTIAL_WARNING in shown
    assert "publish cancelled" not in shown


def test_a_job_cancel_under_way_has_the_stop_button() -> None:
    shown = _report(CancelOutcome("accepted", 200, "https://x/configure/j/status", "watch-" + "0" * 32))
    assert "under way" in shown and "following the job" in shown and "stop_watching" in shown


def test_too_late_says_how_the_job_ended_and_invites_no_retry() -> None:
    shown = _report(CancelOutcome("failed", 400, error=too_late(JOB, "completed (succeeded)")))
    assert shown.startswith(f"⏱️ Too late to cancel configure job `{JOB}`")
    assert "completed (succeeded)" in shown and "Nothing to retry" in shown
    assert "try again" not in shown.lower()


def test_a_failed_job_cancel_names_the_job_and_where_to_look() -> None:
    shown = _report(CancelOutcome("failed", 404, error=ErrorInfo("not_found", "No such job.", status_code=404)))
    assert f"configure job {JOB} of contoso/saas failed" in shown
    assert f"Check the job ID (the one POST configure returned) with `/cpp status contoso saas job={JOB}`" in shown
    assert "publisher and offer IDs" not in shown


def test_a_job_cancel_with_an_unknown_outcome_says_look_at_the_job_not_the_offers_operations() -> None:
    error = ErrorInfo("timeout", "No answer.", outcome_unknown=True)
    shown = _report(CancelOutcome("failed", None, error=error))
    assert f"Check `/cpp status contoso saas job={JOB}` before trying again" in shown
    assert "/cpp ops" not in shown and "Partner Portal" not in shown
