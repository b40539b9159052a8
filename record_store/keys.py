"""Where each row lives (partition key, row key). The layout and why it is safe are in `record_store.base`'s
docstring; this is the one place that spells the keys.

Identifiers cannot hold `|`, `/`, `#`, `?` or control characters (`cppcancel.identifiers`), so every key built here
is a valid Azure Tables key and no two kinds of partition can be confused: the row keys of a job's partition and of a
caller's partition never equal an offer partition's (`lock`, `req|…`, `job|…`), so even a publisher named `job` or
`caller` collides with nothing.
"""

from __future__ import annotations

from cppcancel.targets import JOB_LOCK_ROW, OFFER_LOCK_ROW, Target, job_partition, offer_partition
from cppcancel.targets import JOB_PREFIX as JOB_PARTITION_PREFIX

__all__ = [
    "APPROVAL_PREFIX",
    "CALLER_JOB_PREFIX",
    "CALLER_PREFIX",
    "JOB_LOCK",
    "JOB_PREFIX",
    "JOB_REGISTRATION",
    "JOB_STATUS",
    "OFFER_LOCK",
    "RECORD_PREFIX",
    "approval_row",
    "caller_job_row",
    "caller_partition",
    "job_partition",
    "job_row",
    "lock_key",
    "partition_of",
    "record_row",
]

# An offer's partition `{publisher}|{offer}` (`cppcancel.targets.offer_partition`).
RECORD_PREFIX = "req|"  # a cancel request's record, `req|{instance id}`
APPROVAL_PREFIX = "approval|"  # a cancel request's approvals (the two-person rule), `approval|{instance id}`
OFFER_LOCK = OFFER_LOCK_ROW  # the offer's CPP cancel lock (a `PublishTarget`'s `lock_key`)
JOB_PREFIX = (
    JOB_PARTITION_PREFIX  # a job registered under the offer, `job|{job id, lowercased}` (also the job's partition)
)

# A job's partition `job|{job id, lowercased}` (`cppcancel.targets.job_partition`).
JOB_LOCK = JOB_LOCK_ROW  # the job's cancel lock, whatever offer the job is named under (a `JobTarget`'s `lock_key`)
JOB_REGISTRATION = "registration"  # which publisher/offer the job is registered under (the first registration wins)
JOB_STATUS = "status"  # the job's last status read, whoever watches it (`job_reads.py`: a minute between reads)

# A webhook caller's partition `caller|{caller}`.
CALLER_PREFIX = "caller|"
CALLER_JOB_PREFIX = "running-job|"  # a registration of the caller still running, `running-job|{job id, lowercased}`


partition_of = offer_partition


def record_row(instance_id: str) -> str:
    return RECORD_PREFIX + instance_id


def approval_row(instance_id: str) -> str:
    return APPROVAL_PREFIX + instance_id


def job_row(job_id: str) -> str:
    """A registered job's row in its offer's partition."""
    return JOB_PREFIX + job_id.lower()


def lock_key(target: Target) -> tuple[str, str]:
    """The cancel lock of what `target` stops: the offer's CPP lock, or - for a configure job - the job's own, keyed
    by the job alone (the target says which)."""
    return target.lock_key


def caller_partition(caller: str) -> str:
    return CALLER_PREFIX + caller


def caller_job_row(job_id: str) -> str:
    return CALLER_JOB_PREFIX + job_id.lower()
