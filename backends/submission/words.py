"""What a person reads about an Azure Application submission of the Partner Center submission API (pure: imported
wherever a chat renders, also in orchestrator code).

The DELETE is synchronous (204, no operation): the app then reads the submissions again until the submission is gone
or no longer in progress, so every message says it is "following the submission", not an operation."""

from __future__ import annotations

from backends.base import Wording
from backends.http.operation import Operation

SERVICE = "the Partner Center submission API"
SUBMISSION_KIND = "submission"  # the `Operation.submission_type` of a submission's view (what headlines call it)
WORDS_KEY = "submissionWords"  # where its `Operation` keeps the API's own words


def submission_words(operation: Operation | None) -> str | None:
    """Where the submission is, in the API's words, and which release it is and where it goes (what a confirmation
    names): `InProgress (Submitted), release 2, to Preview`."""
    said = operation.extra.get(WORDS_KEY) if operation is not None else None
    if operation is None or not isinstance(said, str):
        return None
    release, targets = operation.extra.get("releaseNumber"), operation.extra.get("targets")
    parts = [said, *([f"release {release}"] if isinstance(release, int) else [])]
    return ", ".join([*parts, *([f"to {targets}"] if isinstance(targets, str) else [])])


WORDING = Wording(
    service=SERVICE,
    noun="submission",
    item="Submission",
    followed="the submission",
    look="status",
    names_it="the offer ID (as Partner Center shows it) and the submission ID from `/cpp ops`",
    at_once="The Partner Center submission API answered HTTP {code}: the submission was cancelled.",
    taken=(
        "The Partner Center submission API answered HTTP {code} to the DELETE; reading the submissions again until "
        "it is no longer in progress."
    ),
    canceled_reply="🛑 The {kind} was cancelled (after {after}): it is no longer in progress.",
    asks=(
        "This asks the Partner Center submission API to cancel (delete) in-progress submission {item} of {offer}. "
        "It cannot be undone."
    ),
    keep="Keep it in progress",
    running_heading="*Azure Application submission in flight* (Partner Center submission API)",
    ended=submission_words,
)
