"""/cpp history <publisher> <offer>: the last cancel attempts from the app's own record, under /cpp ops's policy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from record_store.base import CancelRecord
from record_store.sqlite import SqliteRecordStore
from tests.cancel_function.conftest import AuditLog, SlackDriver
from tests.conftest import ALICE, MALLORY


def _record(n: int, **changes: Any) -> CancelRecord:
    base = CancelRecord(
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        instance_id=f"cancel-slack-{n:02d}",
        source="slack",
        requested_by=ALICE,
        requested_at=f"2026-12-01T10:{n:02d}:00Z",
        channel="C0RELEASES",
        state="sent",
        status_code=202,
        outcome="accepted",
        operation_url=f"https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm-offer/operations/op-{n}",
    )
    return replace(base, **changes)


def _store(app_env: dict[str, str], *records: CancelRecord) -> None:
    store = SqliteRecordStore(app_env["RECORD_STORE_SQLITE"])
    for record in records:
        store.create(record)
    store.close()


def test_history_lists_the_last_ten_attempts_newest_first_with_what_came_of_each(
    slack: SlackDriver, app_env: dict[str, str], cpp_emulator: Any, audit_log: AuditLog
) -> None:
    _store(
        app_env,
        *(_record(n) for n in range(11)),
        _record(
            20,
            requested_by="release-pipeline",
            source="webhook",
            channel=None,
            operation_url=None,
            state="joined",
            status_code=None,
            outcome="joined",
            joined="cancel-slack-10",
        ),
        _record(
            21,
            requested_by="U0BOB",
            state="failed",
            status_code=403,
            outcome="failed",
            operation_url=None,
            message="Forbidden: no access to publisher 'contoso'.",
        ),
    )
    reply = slack.command("history contoso contoso-vm-offer")
    assert reply.status == 200 and reply.json["response_type"] == "ephemeral"
    shown = reply.readable()
    lines = [line for line in shown.splitlines() if " via " in line]
    assert len(lines) == 10, shown
    assert "<@U0BOB> via Slack in <#C0RELEASES>" in lines[0] and "failed (HTTP 403): Forbidden" in lines[0]
    assert "release-pipeline via the webhook" in lines[1] and "joined the cancel already in flight" in lines[1]
    assert f"<@{ALICE}> via Slack" in lines[2] and "accepted (HTTP 202)" in lines[2]
    assert "operation `op-10`" in shown and "operation `op-3`" in shown and "operation `op-2`" not in shown
    assert cpp_emulator.requests == [], "the history is the app's own record: the Partner Portal is not asked"
    assert [(r["command"], r["outcome"]) for r in audit_log.records()] == [("history", "shown")]


def test_history_of_an_offer_never_cancelled_says_so(slack: SlackDriver, app_env: dict[str, str]) -> None:
    reply = slack.command("history contoso contoso-idle-offer")
    assert "No cancel attempts are recorded for contoso/contoso-idle-offer." in reply.readable()


def test_history_is_refused_like_ops_to_someone_the_policy_does_not_name(
    slack: SlackDriver, app_env: dict[str, str], audit_log: AuditLog
) -> None:
    _store(app_env, _record(1))
    reply = slack.command("history contoso contoso-vm-offer", user=MALLORY)
    assert "via Slack" not in reply.readable() and "Missing permission" in reply.readable()
    assert [r["outcome"] for r in audit_log.records()] == ["refused"]


def test_history_with_a_record_that_cannot_be_read_says_so(
    slack: SlackDriver, app_env: dict[str, str], monkeypatch: Any, tmp_path: Any, audit_log: AuditLog
) -> None:
    from cppcancel.settings import reset_settings_cache

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("RECORD_STORE_SQLITE", str(blocker / "records.sqlite3"))
    reset_settings_cache()
    reply = slack.command("history contoso contoso-vm-offer")
    assert "could not be read right now" in reply.readable()
    assert [r["outcome"] for r in audit_log.records()] == ["failed"]


def test_history_shows_the_cancels_asked_from_teams_too(
    slack: SlackDriver, app_env: dict[str, str], cpp_emulator: Any
) -> None:
    teams_place = "19:releases@thread.tacv2;messageid=1700000000000 https://smba.trafficmanager.net/teams/"
    amy = "0f8fad5b-d9cb-469f-a165-70867728950e"
    _store(app_env, _record(1), _record(2, source="teams", requested_by=amy, display="Amy", channel=teams_place))
    lines = [
        line for line in slack.command("history contoso contoso-vm-offer").readable().splitlines() if " via " in line
    ]
    assert "Amy via Microsoft Teams, " in lines[0] and amy not in lines[0] and "smba" not in lines[0]
    assert f"<@{ALICE}> via Slack in <#C0RELEASES>" in lines[1]
