"""Exactly one cancel per offer, from the app's own record, against a Partner Portal that behaves as documented.

The emulator runs in documented-behaviour mode here (`beyond_docs=False`): `cancellationRequestState` is only
ever `canCancel` and every POST starts a cancel of its own, so nothing the app does right can come from the
emulator telling it what it needs to hear. What keeps a second cancel from being sent is the record the app writes
before every POST (record_store/) and the per-offer lock in it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from cppcancel.audit import AUDIT_LOGGER
from devhost.standins.azurite import connection_string, free_port
from devhost.standins.cpp import Fault
from devhost.standins.slack import SlackMessage, describe
from record_store.base import CancelRecord, OfferLock, partition_of
from record_store.sqlite import SqliteRecordStore
from tests.conftest import ALICE, BOB
from tests.devhost.conftest import fetch
from tests.reliability.conftest import OPERATION_PATH, Rig, settings_changed, sign_webhook

T = TypeVar("T")


def at_the_same_instant(*calls: Callable[[], T]) -> list[T]:
    """Run the calls on threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def documented(rig: Rig) -> Rig:
    """The rig, whose emulator does only what Microsoft documents (the whole reliability suite runs so)."""
    assert rig.emulator.beyond_docs is False
    return rig


def records(rig: Rig) -> SqliteRecordStore:
    """The dev host's own record store (its data dir), opened beside the app."""
    return SqliteRecordStore(rig.host.data_dir / "records.sqlite3")


def final_edit(rig: Rig, ts: str | None) -> SlackMessage:
    edits = [m for m in rig.channel_messages() if m.method == "chat.update" and m.ts == ts]
    assert edits, f"the message {ts} was never edited"
    return edits[-1]


def test_two_confirmations_by_two_people_at_the_same_instant_send_one_cancel(documented: Rig) -> None:
    rig = documented
    slack = rig.slack
    values = {
        user: slack.command("cancel contoso contoso-vm-offer", user=user, channel=rig.channel).button("confirm_cancel")[
            "value"
        ]
        for user in (ALICE, BOB)
    }

    def click(user: str) -> Callable[[], int]:
        return lambda: slack.click("confirm_cancel", values[user], user=user, channel=rig.channel, key=user).status

    assert at_the_same_instant(click(ALICE), click(BOB)) == [200, 200]
    cancels = rig.cancels()
    assert len(cancels) == 2, "two confirmations, two requests"
    outputs = {json.loads(c.input_json or "{}")["requester"]["userId"]: rig.output(c.instance_id) for c in cancels}
    [watcher] = rig.watchers()
    assert rig.output(watcher.instance_id, timeout=30)["phase"] == "completed"
    assert rig.cancel_posts() == 1, "exactly one POST"
    sent = [u for u, o in outputs.items() if o["statusCode"] == 202]
    assert len(sent) == 1, outputs
    [holder] = sent
    [joiner] = [u for u in outputs if u != holder]
    rig.wait_for_channel(lambda ms: sum(1 for m in ms if m.method == "chat.postMessage" and not m.thread_ts) == 2)
    by_whom = {m.ts: describe(m) for m in rig.announcements()}
    holder_ts = next(ts for ts, text in by_whom.items() if "joined" not in text.lower())
    joiner_ts = next(ts for ts, text in by_whom.items() if "joined" in text.lower())
    joined_text = by_whom[joiner_ts]
    assert f"<@{holder}>" in joined_text and "nothing was sent again" in joined_text.lower(), joined_text
    assert "[Stop watching]" not in joined_text, "the joiner's message is a pointer, never a stale progress message"
    assert "completed" in (final_edit(rig, holder_ts).text or "")
    history = records(rig).history("contoso", "contoso-vm-offer")
    assert sorted(r.state for r in history) == ["joined", "sent"], history
    assert {r.requested_by for r in history} == {ALICE, BOB}
    assert joiner in {r.requested_by for r in history if r.state == "joined"}


def test_two_webhook_deliveries_with_different_ids_at_the_same_instant_send_one_cancel(documented: Rig) -> None:
    rig = documented
    body = json.dumps(rig.webhook_body()).encode()

    def deliver(msg_id: str) -> Callable[[], Any]:
        headers = sign_webhook(body, msg_id=msg_id)
        return lambda: fetch("POST", rig.host.function_url("webhooks/cancel"), body, headers, timeout=30)

    answers = at_the_same_instant(deliver("msg_pipeline_a"), deliver("msg_pipeline_b"))
    assert [a.status for a in answers] == [202, 202], [a.body for a in answers]
    bodies = [a.json() for a in answers]
    [first] = [b for b in bodies if not b.get("joined")]
    [joiner] = [b for b in bodies if b.get("joined")]
    assert joiner["joined"] is True and joiner["statusUrl"] == first["statusUrl"], bodies
    assert joiner["instanceId"] == first["instanceId"]
    assert rig.output(first["instanceId"], timeout=30)["phase"] == "completed"
    assert rig.cancel_posts() == 1, "exactly one POST"
    status = fetch("GET", first["statusUrl"], timeout=10)
    assert status.status == 200 and status.json()["customStatus"]["phase"] == "completed", status.body
    requests = status.json()["requests"]  # from the app's own record: one sent, one joined
    assert sorted(r["state"] for r in requests) == ["joined", "sent"], requests


def test_a_record_store_that_is_down_sends_nothing_and_says_so(
    documented: Rig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rig = documented
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    nowhere = connection_string(free_port())  # nothing listens there
    with settings_changed(monkeypatch, RECORD_STORE_SQLITE=None, AzureWebJobsStorage=nowhere):
        answer = rig.webhook(rig.webhook_body())
    assert answer.status == 503, answer.body
    error = answer.json()["error"]
    assert error["code"] == "not_recorded" and "nothing was sent" in error["message"], error
    assert rig.cancel_posts() == 0
    rig.wait_for_channel(lambda ms: bool(ms))
    [report] = rig.announcements()
    assert "could not be recorded before sending it, so nothing was sent" in describe(report), describe(report)
    audits = [json.loads(r.getMessage()) for r in caplog.records if r.name == AUDIT_LOGGER]
    assert any(a.get("outcome") == "not_sent" and a.get("source") == "webhook" for a in audits), audits


def _ghost_lock(rig: Rig, *, expires_in_s: float) -> None:
    """Another cancel of the offer holds the lock (it was sent and is being watched, but its watch never released
    the lock): its record and its lock, written as that request would."""
    now = datetime.now(UTC)
    ghost = CancelRecord(
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        instance_id="cancel-webhook-ghost",
        source="webhook",
        requested_by="incident-bot",
        requested_at=(now - timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
        state="sent",
        status_code=202,
        outcome="accepted",
        operation_url=f"{rig.emulator.base_url}{OPERATION_PATH}",
    )
    store = records(rig)
    store.update(ghost)
    lock = replace(OfferLock.for_record(ghost, now, expires_in_s), state="sending")
    with sqlite3.connect(store.path) as db:
        db.execute(
            "INSERT OR REPLACE INTO records (partition, row, version, body) VALUES (?, 'lock', 'ghost-1', ?)",
            (partition_of("contoso", "contoso-vm-offer"), json.dumps(lock.to_entity())),
        )
    store.close()


def test_a_lock_within_its_lease_is_joined_and_a_stale_one_expires(documented: Rig) -> None:
    rig = documented
    _ghost_lock(rig, expires_in_s=600)
    held = rig.webhook(rig.webhook_body())
    assert held.status == 202 and held.json().get("joined") is True, held.body
    assert rig.cancel_posts() == 0, "a live lock: the cancel joins it and sends nothing"
    _ghost_lock(rig, expires_in_s=-1)  # its lease ran out: a lost release
    fresh = rig.webhook(rig.webhook_body())
    assert fresh.status == 202 and not fresh.json().get("joined"), fresh.body
    assert rig.output(fresh.json()["instanceId"], timeout=30)["phase"] == "completed"
    assert rig.cancel_posts() == 1


def test_the_lock_is_released_when_the_watch_ends(documented: Rig) -> None:
    rig = documented
    first = rig.webhook(rig.webhook_body())
    assert first.status == 202 and rig.output(first.json()["instanceId"], timeout=30)["phase"] == "completed"
    assert records(rig).read_lock("contoso", "contoso-vm-offer") is None
    rig.emulator.add_fault(Fault(method="POST", path="/cancel", status=403))
    second = rig.webhook(rig.webhook_body())
    assert second.json()["error"]["code"] == "cpp_forbidden", second.body
    assert rig.cancel_posts() == 2, "the next cancel is sent, not joined"
    assert records(rig).read_lock("contoso", "contoso-vm-offer") is None, "nothing to watch: released at once"
