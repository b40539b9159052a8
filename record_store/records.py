"""One cancel request as the app recorded it (`CancelRecord`), and the states it goes through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, get_args

from cppcancel.targets import Target, target_columns, target_of
from record_store.primitives import Entity

# recorded: written, nothing sent yet (a re-run may still send). sending: the POST is about to go or went out and its
# answer is not recorded (a re-run must never send again). sent / failed: the POST's answer is recorded. joined:
# another cancel of the offer held the lock; nothing was sent. not_sent: refused before sending (for the history).
RecordState = Literal["recorded", "sending", "sent", "failed", "joined", "not_sent"]
RECORD_STATES: tuple[str, ...] = get_args(RecordState)


@dataclass(frozen=True)
class CancelRecord:
    """One cancel request, as the app recorded it. Field names are the stored column names."""

    publisher_id: str
    offer_id: str
    instance_id: str  # the cancel orchestration's instance ID: one record per request
    source: str  # "slack" or "webhook"
    requested_by: str  # a Slack user ID or a webhook caller name
    requested_at: str  # ISO time the entry point accepted the request
    state: RecordState = "recorded"
    display: str | None = None
    channel: str | None = None
    updated_at: str | None = None
    status_code: int | None = None
    operation_url: str | None = None
    watch_instance_id: str | None = None
    outcome: str | None = None  # the audit outcome, for the history
    message: str | None = None
    joined: str | None = None  # the instance ID of the cancel this one joined
    job_id: str | None = None  # a configure job's cancel (None: the CPP publish of the offer)
    correlation_id: str | None = None  # the request's correlation ID: its watcher carries it too (for the release)
    submission_id: str | None = None  # an Azure Application submission's cancel (the Partner Center submission API)

    def to_entity(self) -> Entity:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> CancelRecord:
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in entity.items() if k in names}
        if data.get("state") not in RECORD_STATES:
            data["state"] = "recorded"  # an unknown state is treated as the most careful one that still reads
        status = data.get("status_code")
        data["status_code"] = status if isinstance(status, int) and not isinstance(status, bool) else None
        return cls(**data)

    @property
    def target(self) -> Target:
        """What this request cancels (its `job_id` or `submission_id` column names it; neither: the offer's publish)."""
        return target_of(self.publisher_id, self.offer_id, self.job_id, self.submission_id)

    @classmethod
    def of(cls, target: Target, **fields: Any) -> CancelRecord:
        """A record of a request for `target` (the other columns as given)."""
        columns = target_columns(target)
        return cls(
            publisher_id=target.publisher_id,
            offer_id=target.offer_id,
            job_id=columns.get("job_id"),
            submission_id=columns.get("submission_id"),
            **fields,
        )

    @property
    def watched(self) -> bool:
        """Sent, and its answer named an operation (or a job's status) that a watcher follows."""
        return self.state == "sent" and bool(self.operation_url)
