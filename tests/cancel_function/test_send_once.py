"""At most one POST per request and one cancel per offer, from the app's own record (on every store backend)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables import TableServiceClient

from benchmarks.round_trips import RoundTrips
from cancel_function.exactly_once import (
    Earlier,
    Go,
    Held,
    Unconfirmed,
    after_post,
    before_post,
    mark_sending,
    not_sent,
    record_of,
    release,
)
from cppcancel.contracts import CancelRequest, Requester, SlackTarget
from cppcancel.sending import Answer, NotRecorded
from cppcancel.targets import PublishTarget
from devhost.standins.azurite import Azurite, connection_string, free_port
from record_store.base import LOCK_CLAIM_S, CancelRecord, OfferLock, RecordStore
from record_store.tables import CLIENT_OPTIONS, TableRecordStore
from tests.record_store.test_contract import all_at_once

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LEASE_S = 3600.0
OPERATION = "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm-offer/operations/op-1"


def request(key: str = "r1", user: str = "U0ALICE", offer: str = "contoso-vm-offer") -> CancelRequest:
    return CancelRequest(
        request_id=key,
        source="slack",
        target=PublishTarget("contoso", offer),
        requester=Requester(display=user.lower(), user_id=user, team_id="T0001"),
        correlation_id=f"corr-{key}",
        requested_at="2026-12-01T09:59:58Z",
        slack=SlackTarget("C0RELEASES"),
    )


def test_a_first_request_is_recorded_and_locked_then_marked_sending_before_its_post(records: RecordStore) -> None:
    verdict = before_post(records, request(), NOW, LEASE_S)
    assert isinstance(verdict, Go) and verdict.record is not None
    stored = records.get("contoso", "contoso-vm-offer", request().instance_id)
    assert stored is not None and stored.state == "recorded" and stored.requested_by == "U0ALICE"
    assert isinstance(mark_sending(records, verdict.record, NOW, LEASE_S), CancelRecord)
    stored = records.get("contoso", "contoso-vm-offer", request().instance_id)
    assert stored is not None and stored.state == "sending"
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and (lock.holder, lock.state) == (request().instance_id, "sending")


@pytest.mark.parametrize(
    ("answer", "state"),
    [(Answer("accepted", 202, OPERATION), "sent"), (Answer("failed", 403, message="Forbidden"), "failed")],
)
def test_the_common_path_is_two_round_trips_before_the_post_and_three_in_all(
    records: RecordStore, answer: Answer, state: str
) -> None:
    """Issue #27: the record and the lock share the offer's partition, so each step writes both in one."""
    trips = RoundTrips(records)
    verdict = before_post(records, request(), NOW, LEASE_S)
    assert isinstance(verdict, Go)
    sending = mark_sending(records, verdict.record, NOW, LEASE_S)
    assert isinstance(sending, CancelRecord)
    assert trips.calls == ["_transact", "_transact"], "before the POST"
    after_post(records, sending, answer, NOW)
    assert trips.calls == ["_transact"] * 3, "in all"

    stored = records.get("contoso", "contoso-vm-offer", request().instance_id)
    assert stored is not None and (stored.state, stored.status_code) == (state, answer.status_code)
    lock = records.read_lock("contoso", "contoso-vm-offer")
    if state == "failed":
        assert lock is None, "nothing to watch: released with the answer"
    else:
        assert lock is not None and (lock.state, lock.operation_url) == ("sending", OPERATION)
        assert lock.watch_instance_id is not None


def test_on_azure_tables_the_common_path_is_three_http_requests_in_all(azurite: Azurite) -> None:
    """The count seen on the wire, not only at the primitives: nothing else talks to the table on the way."""
    seen: list[str] = []
    service = TableServiceClient.from_connection_string(
        azurite.connection_string, raw_request_hook=lambda r: seen.append(r.http_request.method), **CLIENT_OPTIONS
    )
    store = TableRecordStore(service, "wirecount")
    try:
        store.history("contoso", "other-offer")  # the table exists (created on a store's first use)
        seen.clear()
        verdict = before_post(store, request(), NOW, LEASE_S)
        assert isinstance(verdict, Go)
        sending = mark_sending(store, verdict.record, NOW, LEASE_S)
        assert isinstance(sending, CancelRecord) and seen == ["POST", "POST"], "two transactions before the POST"
        after_post(store, sending, Answer("accepted", 202, OPERATION), NOW)
        assert seen == ["POST", "POST", "POST"]
    finally:
        store.close()


def test_a_request_that_took_its_lock_the_long_way_still_marks_both_and_writes_back(records: RecordStore) -> None:
    """A re-run in a new host (nothing remembered) after dying at the reachability read: still sendable."""
    assert records.create(record_of(request(), NOW)) is None
    assert records.acquire(record_of(request(), NOW), NOW, LEASE_S).acquired  # the first run's lock
    verdict = before_post(records, request(), NOW, LEASE_S)
    assert isinstance(verdict, Go)
    sending = mark_sending(records, verdict.record, NOW, LEASE_S)
    assert isinstance(sending, CancelRecord)
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and (lock.holder, lock.state) == (request().instance_id, "sending")
    stored = records.get("contoso", "contoso-vm-offer", request().instance_id)
    assert stored is not None and stored.state == "sending"
    after_post(records, sending, Answer("accepted", 202, OPERATION), NOW)
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and lock.operation_url == OPERATION and lock.watch_instance_id is not None


def test_a_rerun_after_the_post_may_have_gone_out_never_sends_again(records: RecordStore) -> None:
    first = before_post(records, request(), NOW, LEASE_S)
    assert isinstance(first, Go) and first.record is not None
    assert isinstance(mark_sending(records, first.record, NOW, LEASE_S), CancelRecord)
    again = before_post(records, request(), NOW + timedelta(minutes=5), LEASE_S)  # the host died in the POST
    assert isinstance(again, Unconfirmed)
    assert again.lock is not None and again.lock.holder == request().instance_id


def test_a_rerun_before_anything_was_sent_sends(records: RecordStore) -> None:
    """Died between recording the request and marking it `sending`: nothing can have reached the Portal."""
    assert records.create(record_of(request(), NOW)) is None
    assert isinstance(before_post(records, request(), NOW, LEASE_S), Go)
    assert isinstance(before_post(records, request(), NOW, LEASE_S), Go)  # and again, holding its own lock


def test_a_portal_that_cannot_be_reached_frees_the_offer_and_its_rerun_sends_nothing(records: RecordStore) -> None:
    first = before_post(records, request(), NOW, LEASE_S)
    assert first.record is not None
    not_sent(records, first.record, "connection refused", NOW)
    assert records.read_lock("contoso", "contoso-vm-offer") is None
    again = before_post(records, request(), NOW, LEASE_S)
    assert isinstance(again, Earlier) and again.record is not None and again.record.state == "not_sent"
    assert isinstance(before_post(records, request("r2"), NOW, LEASE_S), Go), "the next request is not held up"


def test_a_rerun_after_the_answer_was_recorded_replays_it(records: RecordStore) -> None:
    first = before_post(records, request(), NOW, LEASE_S)
    assert first.record is not None
    after_post(records, first.record, Answer("accepted", 202, OPERATION), NOW)
    again = before_post(records, request(), NOW, LEASE_S)
    assert isinstance(again, Earlier) and again.record is not None
    assert (again.record.status_code, again.record.operation_url) == (202, OPERATION)
    lock = records.read_lock("contoso", "contoso-vm-offer")
    assert lock is not None and lock.operation_url == OPERATION  # joiners can find what to follow


def test_a_second_request_for_the_offer_joins_the_first_and_sends_nothing(records: RecordStore) -> None:
    before_post(records, request("r1", "U0ALICE"), NOW, LEASE_S)
    second = before_post(records, request("r2", "U0BOB"), NOW + timedelta(seconds=1), LEASE_S)
    assert isinstance(second, Held)
    assert second.lock is not None and (second.lock.holder, second.lock.requested_by) == (
        request("r1").instance_id,
        "U0ALICE",
    )
    stored = records.get("contoso", "contoso-vm-offer", request("r2").instance_id)
    assert stored is not None and stored.state == "joined" and stored.joined == request("r1").instance_id
    assert isinstance(before_post(records, request("r2", "U0BOB"), NOW, LEASE_S), Held)  # and stays so


def test_other_offers_are_not_held_up(records: RecordStore) -> None:
    before_post(records, request("r1"), NOW, LEASE_S)
    assert isinstance(before_post(records, request("r2", offer="contoso-saas-offer"), NOW, LEASE_S), Go)


def test_a_cancel_with_nothing_to_watch_frees_the_offer_at_once(records: RecordStore) -> None:
    first = before_post(records, request("r1"), NOW, LEASE_S)
    assert first.record is not None
    after_post(records, first.record, Answer("failed", 403, message="Forbidden"), NOW)
    assert records.read_lock("contoso", "contoso-vm-offer") is None
    assert isinstance(before_post(records, request("r2"), NOW, LEASE_S), Go)


def test_the_end_of_the_watch_frees_the_offer(records: RecordStore) -> None:
    first = before_post(records, request("r1"), NOW, LEASE_S)
    assert first.record is not None
    after_post(records, first.record, Answer("accepted", 202, OPERATION), NOW)
    assert isinstance(before_post(records, request("r2"), NOW, LEASE_S), Held)
    assert release(records, PublishTarget("contoso", "contoso-vm-offer"), request("r1").instance_id)
    assert isinstance(before_post(records, request("r3"), NOW, LEASE_S), Go)


def test_a_lost_release_blocks_the_offer_only_for_its_lease(records: RecordStore) -> None:
    first = before_post(records, request("r1"), NOW, LEASE_S)
    assert first.record is not None
    assert isinstance(mark_sending(records, first.record, NOW, LEASE_S), CancelRecord)  # then its POST, its answer lost
    assert isinstance(before_post(records, request("r2"), NOW + timedelta(seconds=LEASE_S - 1), LEASE_S), Held)
    assert isinstance(before_post(records, request("r3"), NOW + timedelta(seconds=LEASE_S), LEASE_S), Go)


def test_a_store_that_is_down_means_nothing_is_sent() -> None:
    down = TableRecordStore.from_connection_string(connection_string(free_port()), "records")
    verdict = before_post(down, request(), NOW, LEASE_S)
    assert isinstance(verdict, NotRecorded) and "Azure Table Storage" in verdict.message
    down.close()


def test_requests_for_one_offer_at_the_same_instant_send_exactly_once(records: RecordStore) -> None:
    verdicts = all_at_once(8, lambda i: before_post(records, request(f"r{i}", f"U0P{i}"), NOW, LEASE_S))
    senders = [v.record.instance_id for v in verdicts if isinstance(v, Go) and v.record]
    assert len(senders) == 1 and len(verdicts) == 8
    joiners = [v for v in verdicts if isinstance(v, Held)]
    assert len(joiners) == 7 and {v.lock.holder for v in joiners if v.lock} == set(senders)


# -- a holder that holds nothing (issue #21: a store outage at the wrong moment) -------------------------------------


def test_a_holder_whose_record_says_nothing_was_sent_is_taken_over_at_once(records: RecordStore) -> None:
    """Marking `sending` failed, the record said `not_sent`, and the release failed too: the lock holds nothing."""
    first = before_post(records, request("r1"), NOW, LEASE_S)
    assert first.record is not None
    records.update(replace(first.record, state="not_sent"))
    assert records.read_lock("contoso", "contoso-vm-offer") is not None, "the release was lost"
    second = before_post(records, request("r2", "U0BOB"), NOW + timedelta(seconds=1), LEASE_S)
    assert isinstance(second, Go) and second.lock is not None and second.lock.holder == request("r2").instance_id


def test_a_holder_that_never_marked_sending_holds_the_offer_only_for_its_claim(records: RecordStore) -> None:
    """The whole store was down after the lock was taken: nothing could be written. The next request joins while
    the holder may still be about to send, and takes over after LOCK_CLAIM_S; the old holder then sends nothing."""
    first = before_post(records, request("r1"), NOW, LEASE_S)
    assert first.record is not None
    soon = before_post(records, request("r2", "U0BOB"), NOW + timedelta(seconds=LOCK_CLAIM_S - 1), LEASE_S)
    assert isinstance(soon, Held), "it may still be about to send: joining it is true"
    late = before_post(records, request("r3", "U0CAROL"), NOW + timedelta(seconds=LOCK_CLAIM_S), LEASE_S)
    assert isinstance(late, Go)
    lost = mark_sending(records, first.record, NOW + timedelta(seconds=LOCK_CLAIM_S + 1), LEASE_S)
    assert isinstance(lost, OfferLock) and lost.holder == request("r3").instance_id, "r1 joins r3, sends nothing"
    stored = records.get("contoso", "contoso-vm-offer", request("r1").instance_id)
    assert stored is not None and (stored.state, stored.joined) == ("joined", request("r3").instance_id)


def test_a_failed_mark_sending_leaves_a_record_that_frees_the_offer(records: RecordStore) -> None:
    first = before_post(records, request("r1"), NOW, LEASE_S)
    assert first.record is not None
    not_sent(records, first.record, "the record store failed before the cancel was sent", NOW)
    assert isinstance(before_post(records, request("r2"), NOW, LEASE_S), Go)


def test_the_end_of_a_watch_frees_the_offer_by_its_correlation_id_when_the_lock_never_named_it(
    records: RecordStore,
) -> None:
    """Writing back the POST's answer and annotating the lock failed: the lock knows no watcher."""
    first = before_post(records, request("r1"), NOW, LEASE_S)
    assert first.record is not None
    assert isinstance(mark_sending(records, first.record, NOW, LEASE_S), CancelRecord)
    assert isinstance(before_post(records, request("r2"), NOW, LEASE_S), Held), "sent: joining it is true"
    assert not records.release_watched("contoso", "contoso-vm-offer", "watch-other", correlation_id="corr-other")
    assert records.release_watched("contoso", "contoso-vm-offer", "watch-1", correlation_id="corr-r1")
    assert isinstance(before_post(records, request("r3"), NOW, LEASE_S), Go)
