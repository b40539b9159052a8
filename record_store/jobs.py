"""Registered configure jobs: the app's own list of the Product Ingestion jobs a pipeline told it about.

The Product Ingestion API has no endpoint that lists jobs - only whoever called `POST configure` knows the job's ID -
so a pipeline registers each job (`POST /api/webhooks/jobs`) and the app remembers it here, in the offer's partition
of the same store as the cancel record, row `job|{job id, lowercased}`. `/cpp ops` lists the running ones and a bare
`/cpp cancel` targets them; the job's watcher marks a job completed when its watch sees `jobStatus: completed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

JOB_PREFIX = "job|"
JobState = Literal["running", "completed"]


def job_row(job_id: str) -> str:
    return JOB_PREFIX + job_id.lower()


@dataclass(frozen=True)
class JobRegistration:
    """One registered job. Field names are the stored column names."""

    publisher_id: str
    offer_id: str
    job_id: str
    requested_by: str  # the webhook caller that registered it
    registered_at: str
    state: JobState = "running"
    slack_channel: str | None = None
    watch_instance_id: str | None = None
    job_status: str | None = None  # the API's words when it ended (`completed (succeeded)`)
    updated_at: str | None = None

    @property
    def running(self) -> bool:
        return self.state != "completed"

    def to_entity(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> JobRegistration:
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in entity.items() if k in names}
        if data.get("state") not in ("running", "completed"):
            data["state"] = "running"  # unknown: the careful reading (it is still offered for cancel)
        return cls(**data)
