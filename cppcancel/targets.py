"""What a cancel stops, as a type: a `Target` (pure).

Each marketplace API cancels a different thing, and each is a type of its own here:

- `PublishTarget(publisher_id, offer_id)`: an offer's in-flight publish on the Cloud Partner Portal (`backends.cpp`).
- `JobTarget(publisher_id, offer_id, job_id)`: one configure job of the Product Ingestion API (`backends.ingestion`),
  named under the offer it belongs to.
- `SubmissionTarget(publisher_id, offer_id, submission_id)`: an Azure Application offer's in-progress submission on
  the Partner Center submission API (`backends.submission`).

What differs between them is a method of the target, so no code outside the backends asks which kind it holds:
`key` (two requests with the same key stop the same thing: their cancels join), `lock_key` (where that thing's cancel
lock row lives: an offer's publish locks its offer, a job locks itself whatever offer it was named under),
`record_partition` (where a request's record lives: its offer's, so `/cpp history` lists every kind), the words a
person reads, and the JSON it travels in. `kind` names the backend that serves it (`backends.registry`).

JSON: a target is written into the messages that carry it as `publisherId`, `offerId` and - for a job only -
`jobId`, for a submission only `submissionId` (`target_json`, `extra_json`), exactly as before targets were types;
`target_from_json` reads it back tolerantly: no (or an empty) `jobId` or `submissionId` is the offer's publish, so
every message recorded before a job could be named reads as what it always was.

This module, the backends and the record store's row mapping are the only places that name a job's ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from cppcancel import jsonread
from cppcancel.identifiers import validate_job_id, validate_offer_id, validate_publisher_id, validate_submission_id

TargetKind = Literal["publish", "job", "submission"]

# Where the record store keeps a target's rows (record_store/keys.py spells the rest of its keys from these).
OFFER_LOCK_ROW = "lock"  # an offer's CPP cancel lock, in the offer's partition
JOB_PREFIX = "job|"  # a job's own partition, `job|{job id, lowercased}`
JOB_LOCK_ROW = "cancel-lock"  # a job's cancel lock, in the job's own partition
SUBMISSION_PREFIX = "submission|"  # an Azure Application product's partition, `submission|{offer id, lowercased}`
SUBMISSION_LOCK_ROW = "submission-lock"  # its cancel lock (no other partition has a row of that name)


def offer_partition(publisher_id: str, offer_id: str) -> str:
    """An offer's partition in the record store: its records, its CPP lock, the jobs registered under it."""
    return f"{publisher_id}|{offer_id}"


def job_partition(job_id: str) -> str:
    """A job's own partition: job IDs are GUID-like, so case does not make another job."""
    return JOB_PREFIX + job_id.lower()


@dataclass(frozen=True)
class PublishTarget:
    """An offer's in-flight publish (the Cloud Partner Portal): the offer is the whole address."""

    publisher_id: str
    offer_id: str
    kind: ClassVar[TargetKind] = "publish"
    audit_command: ClassVar[str] = "cancel"  # what the audit record calls its cancel

    @property
    def offer(self) -> str:
        return f"{self.publisher_id}/{self.offer_id}"

    @property
    def key(self) -> str:
        return f"publish:{self.offer}"

    @property
    def lock_key(self) -> tuple[str, str]:
        return offer_partition(self.publisher_id, self.offer_id), OFFER_LOCK_ROW

    @property
    def record_partition(self) -> str:
        return offer_partition(self.publisher_id, self.offer_id)

    @property
    def item(self) -> str | None:
        """The ID of what is cancelled within the offer (None: the offer itself names it)."""
        return None

    @property
    def words(self) -> str:
        """The target for a person, in plain text."""
        return self.offer

    @property
    def marked(self) -> str:
        """The target for a person, IDs marked as code (every chat reads backticks)."""
        return f"`{self.publisher_id}`/`{self.offer_id}`"

    @property
    def headline(self) -> str:
        """The target as a channel report heads it: what the offer names marked, the offer plain."""
        return self.offer

    @property
    def thing(self) -> str:
        """What is cancelled, in the words of a report: "publish", "configure job `…`"."""
        return "publish"

    def about(self, operation_url: str | None) -> str | None:
        """What a recorded request was about, beyond its offer: the operation its cancel started."""
        return f"operation `{operation_url.split('?', 1)[0].rsplit('/', 1)[-1]}`" if operation_url else None

    def extra_json(self) -> dict[str, Any]:
        return {}

    def validated(self) -> PublishTarget:
        """The target with its IDs checked (`cppcancel.identifiers`) and the offer lowercased; InvalidInput if not."""
        return PublishTarget(validate_publisher_id(self.publisher_id), validate_offer_id(self.offer_id))


@dataclass(frozen=True)
class JobTarget:
    """One configure job of the Product Ingestion API, named under the offer it is cancelled on the rights of."""

    publisher_id: str
    offer_id: str
    job_id: str
    kind: ClassVar[TargetKind] = "job"
    audit_command: ClassVar[str] = "cancel_job"

    @property
    def offer(self) -> str:
        return f"{self.publisher_id}/{self.offer_id}"

    @property
    def key(self) -> str:
        return f"job:{self.job_id.lower()}"

    @property
    def lock_key(self) -> tuple[str, str]:
        return job_partition(self.job_id), JOB_LOCK_ROW

    @property
    def record_partition(self) -> str:
        return offer_partition(self.publisher_id, self.offer_id)

    @property
    def item(self) -> str | None:
        return self.job_id

    @property
    def words(self) -> str:
        return f"configure job {self.job_id} of {self.offer}"

    @property
    def marked(self) -> str:
        return f"configure job `{self.job_id}` of `{self.publisher_id}`/`{self.offer_id}`"

    @property
    def headline(self) -> str:
        return f"{self.thing} of {self.offer}"

    @property
    def thing(self) -> str:
        return f"configure job `{self.job_id}`"

    def about(self, operation_url: str | None) -> str | None:
        return self.thing

    def extra_json(self) -> dict[str, Any]:
        return {"jobId": self.job_id}

    def validated(self) -> JobTarget:
        offer = PublishTarget(self.publisher_id, self.offer_id).validated()
        return JobTarget(offer.publisher_id, offer.offer_id, validate_job_id(self.job_id))


@dataclass(frozen=True)
class SubmissionTarget:
    """An in-progress submission of an Azure Application offer on the Partner Center submission API.

    Its lock (`lock_key`) is the offer's *product*, keyed by the offer ID alone: one cancel per product at a time, as
    the issue asks, whichever submission or publisher a request names. The API finds a product by its offer ID
    across the whole Partner Center account (never by publisher), so two publishers of SUBMISSION_API_PUBLISHERS
    naming the same offer ID reach the same product and must share one lock; the product's GUID is not known before
    the API is read, and the lock is taken before any read. A product has at most one in-progress submission, so a
    second cancel of it - of that submission or a newer one - waits for the first one's watch to end."""

    publisher_id: str
    offer_id: str
    submission_id: str
    kind: ClassVar[TargetKind] = "submission"
    audit_command: ClassVar[str] = "cancel_submission"

    @property
    def offer(self) -> str:
        return f"{self.publisher_id}/{self.offer_id}"

    @property
    def key(self) -> str:
        return f"submission:{self.offer_id.lower()}/{self.submission_id}"

    @property
    def lock_key(self) -> tuple[str, str]:
        return SUBMISSION_PREFIX + self.offer_id.lower(), SUBMISSION_LOCK_ROW

    @property
    def record_partition(self) -> str:
        return offer_partition(self.publisher_id, self.offer_id)

    @property
    def item(self) -> str | None:
        return self.submission_id

    @property
    def words(self) -> str:
        return f"submission {self.submission_id} of {self.offer}"

    @property
    def marked(self) -> str:
        return f"submission `{self.submission_id}` of `{self.publisher_id}`/`{self.offer_id}`"

    @property
    def headline(self) -> str:
        return f"{self.thing} of {self.offer}"

    @property
    def thing(self) -> str:
        return f"submission `{self.submission_id}`"

    def about(self, operation_url: str | None) -> str | None:
        return self.thing

    def extra_json(self) -> dict[str, Any]:
        return {"submissionId": self.submission_id}

    def validated(self) -> SubmissionTarget:
        offer = PublishTarget(self.publisher_id, self.offer_id).validated()
        return SubmissionTarget(offer.publisher_id, offer.offer_id, validate_submission_id(self.submission_id))


Target = PublishTarget | JobTarget | SubmissionTarget


class Targeted:
    """For a value that names a target (`target`): the offer it is named under, as `publisher_id` and `offer_id`."""

    target: Target

    @property
    def publisher_id(self) -> str:
        return self.target.publisher_id

    @property
    def offer_id(self) -> str:
        return self.target.offer_id


def target_of(publisher_id: str, offer_id: str, job_id: str | None = None, submission_id: str | None = None) -> Target:
    """The target stored rows and parsed inputs name: a job or a submission when they name one, else the offer's
    publish."""
    if job_id:
        return JobTarget(publisher_id, offer_id, job_id)
    if submission_id:
        return SubmissionTarget(publisher_id, offer_id, submission_id)
    return PublishTarget(publisher_id, offer_id)


def target_columns(target: Target) -> dict[str, str]:
    """What a stored row (a request's record, a lock) keeps of a target beyond its offer: `job_id` or
    `submission_id` (`target_of` reads them back)."""
    return {f"{target.kind}_id": target.item} if target.item else {}


def offer_target(publisher_id: str, offer_id: str) -> Target:
    """What naming an offer alone means: its publish (a command that names nothing more may still find a running
    registered target of the offer first)."""
    return PublishTarget(publisher_id, offer_id)


def offer_json(target: Target) -> dict[str, Any]:
    """The offer a target is named under, as every message writes it."""
    return {"publisherId": target.publisher_id, "offerId": target.offer_id}


def target_json(target: Target) -> dict[str, Any]:
    """A target's JSON: its offer, then what it adds (a job's `jobId`)."""
    return {**offer_json(target), **target.extra_json()}


def target_from_json(data: Mapping[str, Any]) -> Target:
    """The target a message names (KeyError without an offer): an absent, null or empty `jobId` (or `submissionId`)
    is the offer's publish, as in every message written before jobs could be named."""
    publisher, offer = str(data["publisherId"]), str(data["offerId"])
    return target_of(publisher, offer, jsonread.text(data.get("jobId")), jsonread.text(data.get("submissionId")))
