"""A submission of the Partner Center submission API as a target: its JSON, its keys, its lock, and what reads it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cppcancel.contracts import CancelRequest, Requester
from cppcancel.identifiers import InvalidInput
from cppcancel.targets import (
    JobTarget,
    PublishTarget,
    SubmissionTarget,
    target_columns,
    target_from_json,
    target_json,
    target_of,
)
from record_store.locks import OfferLock
from record_store.records import CancelRecord

SUBMISSION = SubmissionTarget("contoso", "contoso-app", "1152921505695131000")


def test_a_submission_travels_as_submission_id_and_reads_back() -> None:
    assert target_json(SUBMISSION) == {
        "publisherId": "contoso",
        "offerId": "contoso-app",
        "submissionId": "1152921505695131000",
    }
    assert target_from_json(target_json(SUBMISSION)) == SUBMISSION
    assert target_from_json({"publisherId": "contoso", "offerId": "o", "submissionId": ""}) == PublishTarget(
        "contoso", "o"
    )
    assert target_from_json({"publisherId": "contoso", "offerId": "o", "submissionId": None}).kind == "publish"


def test_one_cancel_per_product_the_lock_is_the_offers_whatever_submission_or_publisher() -> None:
    other_submission = SubmissionTarget("contoso", "Contoso-App", "1152921505695131001")
    other_publisher = SubmissionTarget("fabrikam", "contoso-app", "1152921505695131000")
    assert SUBMISSION.lock_key == other_submission.lock_key == other_publisher.lock_key
    assert SUBMISSION.lock_key not in (
        PublishTarget("contoso", "contoso-app").lock_key,
        JobTarget("contoso", "contoso-app", "1152921505695131000").lock_key,
        PublishTarget("submission", "contoso-app").lock_key,  # a publisher named like the partition prefix
    )
    assert SUBMISSION.key != other_submission.key  # different things, one lock
    assert SUBMISSION.record_partition == PublishTarget("contoso", "contoso-app").record_partition


def test_the_record_and_the_lock_keep_the_submission() -> None:
    assert target_columns(SUBMISSION) == {"submission_id": "1152921505695131000"}
    record = CancelRecord.of(SUBMISSION, instance_id="i", source="webhook", requested_by="p", requested_at="t")
    assert CancelRecord.from_entity(record.to_entity()).target == SUBMISSION
    lock = OfferLock.for_record(record, datetime(2026, 1, 1, tzinfo=UTC), 60)
    assert OfferLock.from_entity(lock.to_entity()).target == SUBMISSION
    assert target_of("contoso", "o", None, None) == PublishTarget("contoso", "o")


def test_a_cancel_request_of_a_submission_round_trips() -> None:
    request = CancelRequest("r", "webhook", SUBMISSION, Requester("pipeline", caller="pipeline"), "c", "t")
    assert CancelRequest.from_json(request.to_json()).target == SUBMISSION


@pytest.mark.parametrize("bad", ["", "../products", "1/2", "x" * 65, "a b"])
def test_a_submission_id_is_one_safe_segment(bad: str) -> None:
    with pytest.raises(InvalidInput):
        SubmissionTarget("contoso", "contoso-app", bad).validated()
