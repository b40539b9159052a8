"""A cancel request's approvals in the app's record (the two-person rule): row `approval|{instance id}` of the
offer's partition, one `cppcancel.approvals.ApprovalRecord`.

The row is opened once by the cancel orchestration (conditional insert: a re-run finds it) and changed only through
`change`, which applies one of the pure decisions of `cppcancel.approvals` to the row as read and writes it back only
if it is still at that version (the ETag), reading again when another writer came first. So two approvals clicked
at the same instant are applied one after the other, each to what the other left: the store, not the caller, says
which one completed the approvals. Built on the record store's primitives only, like `job_reads.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from cppcancel.approvals import ApprovalRecord, Outcome
from record_store.keys import APPROVAL_PREFIX, approval_row, partition_of
from record_store.primitives import Primitives, StoreUnavailable

_ATTEMPTS = 8


def open_approval(store: Primitives, record: ApprovalRecord) -> tuple[ApprovalRecord, bool]:
    """Record a new request's approvals; the stored row and whether this call created it (a re-run finds it)."""
    partition = partition_of(record.publisher_id, record.offer_id)
    row = approval_row(record.instance_id)
    if store._insert(partition, row, record.to_entity()):
        return record, True
    found = store._read(partition, row)
    if found is None:
        raise StoreUnavailable(f"the approvals of {record.instance_id} vanished while they were read")
    return ApprovalRecord.from_entity(found[0]), False


def read_approval(store: Primitives, publisher_id: str, offer_id: str, instance_id: str) -> ApprovalRecord | None:
    found = store._read(partition_of(publisher_id, offer_id), approval_row(instance_id))
    return ApprovalRecord.from_entity(found[0]) if found else None


def change(
    store: Primitives,
    publisher_id: str,
    offer_id: str,
    instance_id: str,
    decide: Callable[[ApprovalRecord], Outcome],
) -> Outcome | None:
    """Apply `decide` to the row as stored, atomically; None when there is no such row."""
    partition, row = partition_of(publisher_id, offer_id), approval_row(instance_id)
    for _ in range(_ATTEMPTS):
        found = store._read(partition, row)
        if found is None:
            return None
        outcome = decide(ApprovalRecord.from_entity(found[0]))
        if not outcome.changed or store._replace(partition, row, outcome.record.to_entity(), found[1]):
            return outcome
    raise StoreUnavailable(f"the approvals of {instance_id} kept changing while one change was applied")


def approvals_of(store: Primitives, publisher_id: str, offer_id: str) -> dict[str, ApprovalRecord]:
    """Every recorded approval request of the offer, by the cancel's instance ID (for `/cpp history`)."""
    found = {}
    for row, entity in store._scan(partition_of(publisher_id, offer_id)):
        if row.startswith(APPROVAL_PREFIX):
            record = ApprovalRecord.from_entity(entity)
            found[record.instance_id] = record
    return found
