"""What a person reads about a configure job of the Product Ingestion API (pure: imported wherever a chat renders,
also in orchestrator code). A cancelled job may already have applied part of its resources: the docs say the
cancellation only applies to resources not yet processed, so every message about a cancelled job says so."""

from __future__ import annotations

from backends.base import Wording
from backends.http.operation import Operation
from backends.ingestion.models import PARTIAL_WARNING


def job_words(operation: Operation | None) -> str | None:
    """What a job's status and result were, from its `Operation` view (`completed (succeeded)`)."""
    if operation is None:
        return None
    status, result = operation.extra.get("jobStatus"), operation.extra.get("jobResult")
    if isinstance(status, str) and isinstance(result, str):
        return f"{status} ({result})"
    return operation.raw_status or "unknown"


WORDING = Wording(
    service="the Product Ingestion API",
    noun="configure job",
    item="Job",
    followed="the job",
    look="status",
    names_it="the job ID (the one POST configure returned)",
    at_once=f"The Product Ingestion API answered: completed (cancelled). {PARTIAL_WARNING}",
    taken="The Product Ingestion API took the cancel; the job is still finishing.",
    canceled_reply=f"🛑 The {{kind}} was cancelled (after {{after}}). {PARTIAL_WARNING}",
    asks="This asks the Product Ingestion API to cancel job {item}. It cannot be undone.",
    keep="Keep it running",
    running_heading="*Registered configure jobs still running* (Product Ingestion API)",
    caveat=PARTIAL_WARNING,
    ended=job_words,
)
