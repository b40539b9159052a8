"""The progress message, thread replies, custom status and cancel report as pure renderings."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from cppcancel.contracts import CancelOutcome
from cppcancel.targets import PublishTarget
from devhost.standins.slack import blocks_to_text
from poll_function.watch_view import custom_status, phase_of, progress_digest
from slack_app.actions import STOP_WATCHING
from slack_app.advice import next_step_hint
from slack_app.mrkdwn import MAX_BLOCKS, MAX_HEADER_CHARS, MAX_SECTION_CHARS
from slack_app.progress import (
    render_cancel_report,
    render_channel_pointer,
    render_progress,
    render_without_channel_access,
    thread_reply,
)
from tests.poll_function.operations import ALICE, BOB, T0, cancel_operation, operation, step, view
from tests.slack_app.helpers import check_dialog


def lines(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(blocks_to_text(blocks))


def stop_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element.get("action_id") == STOP_WATCHING
    ]


def test_running_message_shows_status_steps_elapsed_requester_and_a_stop_button() -> None:
    message = render_progress(view())
    text = lines(message.blocks)
    assert message.blocks[0]["type"] == "header"
    assert "⏳ contoso/vm-offer: cancel under way" in text
    assert "*Status:* running" in text and "step 2 of 3: Stopping the publish" in text and "47% overall" in text
    assert "<@U0ALICE>" in text and "*Elapsed:* 3 min" in text
    assert "✅ *Cancel requested* — complete · 100% · est. &lt; 15 min" in text
    assert "🔄 *Stopping the publish* — inProgress · 40% · est. &lt; 1 hour" in text
    assert "⚪ *Restoring the previous version* — notStarted · est. &lt; 1 day" in text
    [button] = stop_buttons(message.blocks)
    assert json.loads(button["value"]) == {"instanceId": "watch-abc", "publisherId": "contoso", "offerId": "vm-offer"}
    assert button["value"] == '{"instanceId":"watch-abc","publisherId":"contoso","offerId":"vm-offer"}'
    assert "confirm" in button and button["style"] == "danger"
    check_dialog(button["confirm"])
    assert message.text.startswith("⏳ contoso/vm-offer: cancel under way — status running")


def test_message_html_is_shown_as_plain_text_and_cannot_ping_or_link() -> None:
    html = 'Review the <a href="https://x.test">preview</a>, then choose <b>Go Live</b> &amp; tell <!channel>'
    op = operation(
        {"status": "running", "steps": [step("s", "Publisher signoff", "waitingForPublisherReview", message=html)]}
    )
    text = lines(render_progress(view(operation=op)).blocks)
    assert "Review the preview, then choose Go Live &amp; tell" in text
    assert "<a" not in text and "<!channel>" not in text


def test_block_kit_limits_hold_for_huge_operations() -> None:
    long_name = "x" * 5000
    steps = [step(f"s{i}", f"{long_name}{i}", "complete", 100, message="m" * 5000) for i in range(80)]
    op = operation({"status": "running", "steps": steps})
    message = render_progress(view(operation=op, target=PublishTarget("p" * 100, "o" * 100)))
    assert len(message.blocks) <= MAX_BLOCKS
    assert len(message.blocks[0]["text"]["text"]) <= MAX_HEADER_CHARS
    for block in message.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_CHARS
    assert "…and 41 more steps (41 complete)." in lines(message.blocks)
    assert len(json.dumps(custom_status(view(operation=op)))) < 16_000


def test_digest_ignores_time_and_poll_count_but_not_news() -> None:
    base = render_progress(view()).digest
    assert render_progress(view(now=T0 + timedelta(hours=5), polls=99)).digest == base
    more = operation(cancel_operation("running", ("complete", 100), ("inProgress", 60)))
    assert render_progress(view(operation=more)).digest != base
    assert render_progress(view(phase="stopped", stopped_by=BOB)).digest != base
    assert render_progress(view(error="retrying")).digest == base  # a retried read is not news
    assert progress_digest(view()) == base


@pytest.mark.parametrize(
    ("status", "phase", "headline"),
    [
        ("completed", "completed", "✅ contoso/vm-offer: cancel completed"),
        ("Canceled", "canceled", "🛑 contoso/vm-offer: cancel canceled"),
        ("failed", "failed", "❌ contoso/vm-offer: cancel failed"),
        ("running", "watching", "⏳ contoso/vm-offer: cancel under way"),
        ("notStarted", "watching", "⏳ contoso/vm-offer: cancel under way"),
        ("weird-new-status", "watching", "⏳ contoso/vm-offer: cancel under way"),
    ],
)
def test_terminal_statuses_map_to_final_phases(status: str, phase: str, headline: str) -> None:
    op = operation(cancel_operation(status))
    assert phase_of(op) == phase
    message = render_progress(view(operation=op, phase=phase_of(op)))
    assert headline in lines(message.blocks)
    assert bool(stop_buttons(message.blocks)) == (phase == "watching")


def test_failed_message_quotes_the_api_error() -> None:
    op = operation(cancel_operation("failed", ("complete", 100), ("failed", 100), error="Already <b>live</b>."))
    message = render_progress(view(operation=op, phase="failed"))
    assert "*The Partner Portal said:* Already live." in lines(message.blocks)
    assert "/cpp ops" in lines(message.blocks)
    assert thread_reply(view(operation=op, phase="failed")).startswith("❌ The cancel operation failed after 3 min.")


def test_failed_message_falls_back_to_the_latest_error_message() -> None:
    failing = step("s", "Stop", "failed", 100, message="Could not stop.", level="error")
    op = operation({"status": "failed", "steps": [failing]})
    assert "*The Partner Portal said:* Could not stop." in lines(
        render_progress(view(operation=op, phase="failed")).blocks
    )


def test_stopped_message_names_who_stopped_and_that_the_cancel_goes_on() -> None:
    message = render_progress(view(phase="stopped", stopped_by=BOB))
    text = lines(message.blocks)
    assert "⏹️ contoso/vm-offer: no longer watched" in text
    assert "<@U0BOB> stopped watching after 3 min" in text and "*not* undone" in text
    assert not stop_buttons(message.blocks)
    assert "<@U0BOB> stopped watching" in thread_reply(view(phase="stopped", stopped_by=BOB))


def test_timed_out_and_lost_messages_say_what_to_do() -> None:
    timed_out = lines(render_progress(view(phase="timed_out", now=T0 + timedelta(hours=24))).blocks)
    assert "after 1 d, the watch's time limit" in timed_out and "still *running*" in timed_out
    lost = lines(render_progress(view(phase="lost", error="the API said <no>")).blocks)
    assert "Stopped watching: the API said &lt;no&gt;" in lost and "/cpp ops" in lost


def test_thread_replies_announce_status_changes() -> None:
    reply = thread_reply(view(), previous_status="notStarted")
    assert reply == "🔄 Status is now *running* (was notStarted) — step 2 of 3: Stopping the publish."
    done = operation(cancel_operation("completed", ("complete", 100), ("complete", 100), ("complete", 100)))
    assert thread_reply(view(operation=done, phase="completed")) == "✅ The cancel operation completed after 3 min."


# -- the cancel report -------------------------------------------------------------------------------------------------


def report(outcome: CancelOutcome) -> str:
    message = render_cancel_report(target=PublishTarget("contoso", "vm-offer"), requester=ALICE, outcome=outcome, at=T0)
    assert message.text and len(message.blocks) <= MAX_BLOCKS
    return lines(message.blocks)


def test_report_of_a_synchronous_cancel() -> None:
    text = report(CancelOutcome("cancelled", 200))
    assert "✅ contoso/vm-offer: publish cancelled by <@U0ALICE> at <!date^1795600800^" in text
    assert "|2026-11-25 10:00 UTC>" in text


def test_report_of_an_accepted_cancel_has_the_stop_button_of_its_watcher() -> None:
    outcome = CancelOutcome("accepted", 202, "https://x/api/publishers/p/offers/o/operations/1", "watch-123")
    message = render_cancel_report(target=PublishTarget("contoso", "vm-offer"), requester=ALICE, outcome=outcome, at=T0)
    assert message.text == (
        "🛑 Cancel of contoso/vm-offer under way — requested by <@U0ALICE>; following the operation…"
    )
    [button] = stop_buttons(message.blocks)
    assert json.loads(button["value"])["instanceId"] == "watch-123"


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        ({"code": "forbidden", "statusCode": 403}, "add this app's identity"),
        ({"code": "not_found", "statusCode": 404}, "Check the publisher and offer IDs with `/cpp ops`"),
        ({"code": "timeout"}, "The outcome is unknown"),
        ({"code": "unknown_outcome"}, "The outcome is unknown"),
        ({"code": "server_error", "statusCode": 503}, "Try again in a minute"),
        ({"code": "throttled", "statusCode": 429}, "try again in a minute"),
        ({"code": "something_new", "statusCode": 502}, "Try again in a minute"),
        ({"code": "something_new", "statusCode": 403}, "add this app's identity"),
        ({}, "before trying again"),
    ],
)
def test_failed_cancel_reports_what_failed_and_what_to_do(error: dict[str, Any], advice: str) -> None:
    assert advice in next_step_hint(error)
    text = report(
        CancelOutcome("failed", error.get("statusCode"), error={**error, "message": "Refused <x> (HTTP 4xx)"})
    )
    assert "❌ Cancel of contoso/vm-offer failed — requested by <@U0ALICE>" in text
    assert "*What happened:* Refused &lt;x&gt; (HTTP 4xx)" in text and advice in text


def test_pointer_and_no_channel_fallback() -> None:
    assert render_channel_pointer("C0RELEASES").text == "Done — see <#C0RELEASES> for the outcome and live progress."
    full = render_cancel_report(
        target=PublishTarget("contoso", "vm-offer"), requester=ALICE, outcome=CancelOutcome("cancelled", 200), at=T0
    )
    fallback = render_without_channel_access(full, "C0RELEASES")
    assert fallback.text.startswith(full.text) and "/invite" in lines(fallback.blocks)


def test_the_pure_modules_import_no_platform_or_network_library() -> None:
    """Rendering and scheduling stay importable (and testable) without Azure, Slack SDKs or requests."""
    import subprocess
    import sys

    heavy = ("azure", "slack_sdk", "slack_bolt", "requests")
    probe = (
        "import sys, cppcancel.schedule, slack_app.progress; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
