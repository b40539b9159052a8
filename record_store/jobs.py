"""Registered configure jobs: the app's own list of the Product Ingestion jobs a pipeline told it about, and the one
fact that makes a job cancellable on someone's rights - the offer it belongs to.

The Product Ingestion API has no endpoint that lists jobs - only whoever called `POST configure` knows the job's ID -
and it addresses a job by its ID alone, so the offer a caller names proves nothing about the job. A pipeline
registers each job (`POST /api/webhooks/jobs`) and the app remembers it twice:

- in the job's own partition, row `registration` (`JobOwner`): which publisher/offer the job is registered under, by
  conditional insert, so the first registration wins and a job is found by its ID alone;
- in the offer's partition, row `job|{job id}` (`JobRegistration`): what `/cpp ops` lists and a bare `/cpp cancel`
  targets, marked finished when the job's watcher sees it end (`completed`) or the API does not know it
  (`not_found`).

A caller's running registrations are indexed in its own partition (`running-job|{job id}`) for the per-caller cap;
an entry is removed when its job finishes, and any left behind by a failed removal is checked against the
registration and dropped when the cap is reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from cppcancel.targets import JobTarget
from record_store.keys import (
    CALLER_JOB_PREFIX,
    JOB_PREFIX,
    JOB_REGISTRATION,
    caller_job_row,
    caller_partition,
    job_partition,
    job_row,
    partition_of,
)
from record_store.primitives import Entity, Primitives, StoreUnavailable

JobState = Literal["running", "completed", "not_found"]
JOB_STATES: tuple[str, ...] = ("running", "completed", "not_found")
NOT_FOUND_STATUS = "not found by the Product Ingestion API (HTTP 404)"  # `job_status` of a `not_found` job


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
        return self.state == "running"

    @property
    def target(self) -> JobTarget:
        return JobTarget(self.publisher_id, self.offer_id, self.job_id)

    @classmethod
    def of(
        cls,
        target: JobTarget,
        requested_by: str,
        registered_at: str,
        *,
        slack_channel: str | None = None,
        watch_instance_id: str | None = None,
    ) -> JobRegistration:
        """A new registration of `target` by a webhook caller."""
        return cls(
            target.publisher_id,
            target.offer_id,
            target.job_id,
            requested_by,
            registered_at,
            slack_channel=slack_channel,
            watch_instance_id=watch_instance_id,
        )

    def to_entity(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> JobRegistration:
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in entity.items() if k in names}
        if data.get("state") not in JOB_STATES:
            data["state"] = "running"  # unknown: the careful reading (it is still offered for cancel)
        return cls(**data)


@dataclass(frozen=True)
class JobOwner:
    """The offer a job is registered under: a fact about the job, whatever offer a caller names."""

    publisher_id: str
    offer_id: str
    job_id: str
    requested_by: str
    registered_at: str

    def to_entity(self) -> Entity:
        return asdict(self)

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> JobOwner:
        return cls(**{f.name: str(entity.get(f.name) or "") for f in fields(cls)})

    @classmethod
    def of(cls, job: JobRegistration) -> JobOwner:
        return cls(job.publisher_id, job.offer_id, job.job_id, job.requested_by, job.registered_at)

    def owns(self, publisher_id: str, offer_id: str) -> bool:
        return (self.publisher_id, self.offer_id) == (publisher_id, offer_id)


RegisterOutcome = Literal["registered", "known", "elsewhere"]


@dataclass(frozen=True)
class Registered:
    """What `register_job` did: `registered` (new), `known` (`job` is the stored one), or `elsewhere` (the job is
    registered under another offer: nothing was written)."""

    outcome: RegisterOutcome
    job: JobRegistration | None = None


class JobOps(Primitives):
    """The registered-job operations of `RecordStore`."""

    def register_job(self, job: JobRegistration) -> Registered:
        """Remember a job: its owner first (the first registration wins), then the caller's index, then the offer's
        listing. Each write is idempotent, so a retry after a failure in between completes the registration."""
        partition = job_partition(job.job_id)
        if not self._insert(partition, JOB_REGISTRATION, JobOwner.of(job).to_entity()):
            owner = self.job_owner(job.job_id)
            if owner is None:
                raise StoreUnavailable(f"the registration of job {job.job_id} vanished while it was read")
            if not owner.owns(job.publisher_id, job.offer_id):
                return Registered("elsewhere")
        caller_row = {"publisher_id": job.publisher_id, "offer_id": job.offer_id, "job_id": job.job_id}
        self._put(caller_partition(job.requested_by), caller_job_row(job.job_id), caller_row)
        offer = partition_of(job.publisher_id, job.offer_id)
        if self._insert(offer, job_row(job.job_id), job.to_entity()):
            return Registered("registered", job)
        found = self._read(offer, job_row(job.job_id))
        if found is None:
            raise StoreUnavailable(f"the registration of job {job.job_id} vanished while it was read")
        known = JobRegistration.from_entity(found[0])
        if not known.running:
            self._forget(caller_partition(job.requested_by), caller_job_row(job.job_id))
        return Registered("known", known)

    def job_owner(self, job_id: str) -> JobOwner | None:
        """The offer the job is registered under, found by its ID alone; None for a job nobody registered."""
        found = self._read(job_partition(job_id), JOB_REGISTRATION)
        return JobOwner.from_entity(found[0]) if found else None

    def registered_jobs(self, publisher_id: str, offer_id: str) -> list[JobRegistration]:
        """The offer's registered jobs, newest first."""
        jobs = [
            JobRegistration.from_entity(entity)
            for row, entity in self._scan(partition_of(publisher_id, offer_id))
            if row.startswith(JOB_PREFIX)
        ]
        return sorted(jobs, key=lambda j: (j.registered_at, j.job_id), reverse=True)

    def job(self, publisher_id: str, offer_id: str, job_id: str) -> JobRegistration | None:
        found = self._read(partition_of(publisher_id, offer_id), job_row(job_id))
        return JobRegistration.from_entity(found[0]) if found else None

    def update_job(self, job: JobRegistration) -> None:
        """Write a registration's new state (its one writer at a time: the job's watcher); a job that is no longer
        running leaves its caller's running index."""
        self._put(partition_of(job.publisher_id, job.offer_id), job_row(job.job_id), job.to_entity())
        if not job.running:
            self._forget(caller_partition(job.requested_by), caller_job_row(job.job_id))

    def running_jobs_of_caller(self, caller: str, *, check_from: int) -> int:
        """How many registrations of `caller` are still running. The index is counted as it stands; from
        `check_from` entries on (a cap is near), each is checked against its registration and stale ones dropped."""
        partition = caller_partition(caller)
        rows = [(row, entity) for row, entity in self._scan(partition) if row.startswith(CALLER_JOB_PREFIX)]
        if len(rows) < check_from:
            return len(rows)
        running = 0
        for row, entity in rows:
            job = self.job(str(entity.get("publisher_id")), str(entity.get("offer_id")), str(entity.get("job_id")))
            if job is not None and job.running:
                running += 1
            else:
                self._forget(partition, row)
        return running
