"""Where each row lives (partition key, row key). The layout and why it is safe are in `record_store.base`'s
docstring; this is the one place that spells the keys.

Identifiers cannot hold `|`, `/`, `#`, `?` or control characters (`cppcancel.identifiers`), so every key built here
is a valid Azure Tables key and no two kinds of partition can be confused: the row keys of a job's partition and of a
caller's partition never equal an offer partition's (`lock`, `req|…`, `job|…`), so even a publisher named `job` or
`caller` collides with nothing.
"""

from __future__ import annotations

# An offer's partition `{publisher}|{offer}`.
RECORD_PREFIX = "req|"  # a cancel request's record, `req|{instance id}`
OFFER_LOCK = "lock"  # the offer's CPP cancel lock
JOB_PREFIX = "job|"  # a job registered under the offer, `job|{job id, lowercased}` (also the job partition's prefix)

# A job's partition `job|{job id, lowercased}`.
JOB_LOCK = "cancel-lock"  # the job's cancel lock, whatever offer the job is named under
JOB_REGISTRATION = "registration"  # which publisher/offer the job is registered under (the first registration wins)
JOB_STATUS = "status"  # the job's last status read, whoever watches it (`job_reads.py`: a minute between reads)

# A webhook caller's partition `caller|{caller}`.
CALLER_PREFIX = "caller|"
CALLER_JOB_PREFIX = "running-job|"  # a registration of the caller still running, `running-job|{job id, lowercased}`


def partition_of(publisher_id: str, offer_id: str) -> str:
    return f"{publisher_id}|{offer_id}"


def record_row(instance_id: str) -> str:
    return RECORD_PREFIX + instance_id


def job_row(job_id: str) -> str:
    """A registered job's row in its offer's partition."""
    return JOB_PREFIX + job_id.lower()


def job_partition(job_id: str) -> str:
    """The job's own partition: job IDs are GUID-like, so case does not make another job."""
    return JOB_PREFIX + job_id.lower()


def lock_key(publisher_id: str, offer_id: str, job_id: str | None) -> tuple[str, str]:
    """The offer's CPP cancel lock, or - for a configure job - the job's own, keyed by the job alone."""
    if job_id:
        return job_partition(job_id), JOB_LOCK
    return partition_of(publisher_id, offer_id), OFFER_LOCK


def caller_partition(caller: str) -> str:
    return CALLER_PREFIX + caller


def caller_job_row(job_id: str) -> str:
    return CALLER_JOB_PREFIX + job_id.lower()
