"""Validation of the identifiers and addresses a person or a pipeline types, before anything touches the network.

One place for these rules, so the Slack grammar, the webhook and the CPP client refuse exactly the same inputs with the
same words.
"""

from __future__ import annotations

import re

MAX_ID_LENGTH = 100
MAX_EMAILS = 20
MAX_EMAIL_LENGTH = 254

# Publisher and offer IDs are lowercase in Partner Center (every documented example is, and the policy already compares
# them case-insensitively), so either case is accepted as typed and the ID is lowercased once, here, where a request
# comes in: `CONTOSO` and `contoso` are then one offer everywhere - the POST's path, the offer lock, the record, the
# live-watcher lookup. The first character must be alphanumeric so that "." or ".." can never form a path segment.
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
# Deliberately plain: an address a CPP notification can reach, not the whole of RFC 5322.
_EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+\Z"
)


class InvalidInput(ValueError):
    """A person-facing refusal: the message says what was wrong and what is allowed."""


def _printable(value: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return repr(shown)


def validate_id(kind: str, value: str) -> str:
    """`value` lowercased if it is a valid publisher/offer ID; raise InvalidInput naming the rule otherwise."""
    if not value:
        raise InvalidInput(f"The {kind} ID is missing.")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInput(f"The {kind} ID is too long ({len(value)} characters; at most {MAX_ID_LENGTH}).")
    if not _ID_RE.match(value):
        raise InvalidInput(
            f"The {kind} ID {_printable(value)} is not valid: use letters, digits, '-', '_' and '.', "
            "starting with a letter or digit."
        )
    return value.lower()


def validate_publisher_id(value: str) -> str:
    return validate_id("publisher", value)


def validate_offer_id(value: str) -> str:
    return validate_id("offer", value)


def validate_email(value: str) -> str:
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL_RE.match(value):
        raise InvalidInput(f"{_printable(value)} is not a valid e-mail address.")
    return value


def validate_emails(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate and de-duplicate (keeping order) a list of notification addresses."""
    if len(values) > MAX_EMAILS:
        raise InvalidInput(f"Too many notification addresses ({len(values)}; at most {MAX_EMAILS}).")
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(validate_email(value), None)
    return tuple(seen)


# A Product Ingestion job ID is a GUID in every documented example; the rule is a little wider (letters, digits and
# '-') so that another format is not refused, and narrow enough to be a safe URL segment and record key.
_JOB_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}\Z")


def validate_job_id(value: str) -> str:
    """Return `value` if it is a valid configure job ID; raise InvalidInput naming the rule otherwise."""
    if not value:
        raise InvalidInput("The job ID is missing.")
    if not _JOB_ID_RE.match(value):
        raise InvalidInput(
            f"The job ID {_printable(value)} is not valid: use the job's ID as POST configure returned it "
            "(letters, digits and '-', at most 64)."
        )
    return value


def validate_submission_id(value: str) -> str:
    """Return `value` if it is a valid submission ID of the Partner Center submission API (long numbers in every
    recorded example; letters, digits and '-' allowed, as for a job); raise InvalidInput naming the rule otherwise."""
    if not value:
        raise InvalidInput("The submission ID is missing.")
    if not _JOB_ID_RE.match(value):
        raise InvalidInput(
            f"The submission ID {_printable(value)} is not valid: use the submission's ID as Partner Center lists it "
            "(letters, digits and '-', at most 64)."
        )
    return value


def parse_publisher_list(text: str) -> tuple[tuple[str, ...], list[str]]:
    """Publisher IDs separated by commas or white space, each validated, lowercased and kept once; and what was wrong
    with the others. A wildcard is not a publisher ID: such a list names the publishers themselves."""
    found: dict[str, None] = {}
    problems: list[str] = []
    for item in text.replace(",", " ").split():
        try:
            found.setdefault(validate_publisher_id(item), None)
        except InvalidInput as exc:
            problems.append(f"{exc} List the publisher IDs themselves (no wildcard)." if "*" in item else str(exc))
    return tuple(found), problems
