"""The webhook's request body and signing-key configuration, validated strictly (pure: no I/O).

A pipeline that misspells a field must hear about it rather than have the field ignored: unknown fields, wrong
types and bad identifiers each get their own error code, so the caller's logs say exactly what to fix.

Signing keys are bound to caller names. `WEBHOOK_SECRET` holds one or more entries separated by commas or
whitespace, each `caller=whsec_...` (or a bare `whsec_...`, bound to the caller name `webhook`). Several entries for
the same caller are how a key is rotated: both verify until the old one is removed. The caller name a key is bound
to is what the authorization policy's `callers` lists match, and a body's `requestedBy` must name it, so a
pipeline holding one key cannot act under another's name.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cppcancel.chat_ids import SLACK_CHANNEL_RE
from cppcancel.identifiers import (
    InvalidInput,
    validate_emails,
    validate_job_id,
    validate_offer_id,
    validate_publisher_id,
    validate_submission_id,
)
from cppcancel.targets import JobTarget, Target, Targeted, target_from_json

DEFAULT_CALLER = "webhook"
_CALLER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
_FIELDS = {"publisherId", "offerId", "notificationEmails", "requestedBy", "slackChannel", "jobId", "submissionId"}


class WebhookInputError(ValueError):
    """A refusal the webhook answers with HTTP 400 and `{"error": {"code": ..., "message": ...}}`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class WebhookBody(Protocol):
    """What every signed body says: which offer, who asks (the caller its key is bound to), where to report."""

    @property
    def publisher_id(self) -> str: ...

    @property
    def offer_id(self) -> str: ...

    @property
    def requested_by(self) -> str: ...

    @property
    def slack_channel(self) -> str | None: ...


@dataclass(frozen=True)
class WebhookCancel(Targeted):
    """A signed body: what to cancel (the offer's CPP publish; with `jobId` that configure job; with `submissionId`
    that Azure Application submission), who asks."""

    target: Target
    requested_by: str
    notification_emails: tuple[str, ...] = ()
    slack_channel: str | None = None


@dataclass(frozen=True)
class WebhookKey:
    caller: str
    secret: str = field(repr=False)


class DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def decode_body(body: bytes) -> object:
    """The body's JSON, refusing any object that repeats a key (at any depth).

    RFC 8259 leaves duplicate names to the parser: Python keeps the last, others keep the first. A body such as
    `{"publisherId": "fabrikam", "publisherId": "contoso"}` would then name one publisher to this app and another to a
    proxy, a log reader or the pipeline's own records, so it is refused (`duplicate_key`) rather than guessed at.
    Raises WebhookInputError; ValueError (not JSON) and RecursionError pass through for the caller to answer.
    """
    try:
        return json.loads(body, object_pairs_hook=_unique_keys)
    except DuplicateKey as exc:
        shown = str(exc)[:40]
        raise WebhookInputError("duplicate_key", f"The body names {shown!r} more than once.") from None


def _string(data: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise WebhookInputError("missing_field", f"'{name}' is required.")
        return None
    if not isinstance(value, str):
        raise WebhookInputError("invalid_type", f"'{name}' must be a string, not {type(value).__name__}.")
    return value


def _object_with_only(data: object, fields: set[str]) -> Mapping[str, Any]:
    """A JSON object naming no field outside `fields` (a misspelt field is an error, never ignored)."""
    if not isinstance(data, Mapping):
        raise WebhookInputError("invalid_body", "The body must be a JSON object.")
    unknown = sorted(str(k) for k in data if k not in fields)
    if unknown:
        raise WebhookInputError(
            "unknown_field", f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(fields))}."
        )
    return data


def _no_null_job(data: Mapping[str, Any]) -> None:
    """`"jobId": null` is a pipeline that lost its job's ID, never "the offer's CPP publish" (only an absent key means
    that): cancelling something else than what was meant is the one answer worse than a refusal. The same holds for
    `"submissionId": null`, and a body naming both a job and a submission names two things."""
    for key, what in (("jobId", "configure job's"), ("submissionId", "submission's")):
        if key in data and data[key] is None:
            raise WebhookInputError(
                "invalid_field",
                f"'{key}' is null. Send the {what} ID, or leave the key out to cancel what the offer has in flight; "
                "nothing was cancelled.",
            )
    if data.get("jobId") is not None and data.get("submissionId") is not None:
        raise WebhookInputError("invalid_field", "Name a 'jobId' or a 'submissionId', not both; nothing was cancelled.")


def parse_webhook_body(data: object) -> WebhookCancel:
    """Validate a decoded JSON body; raise WebhookInputError naming the first problem."""
    data = _object_with_only(data, _FIELDS)
    _no_null_job(data)
    publisher = _string(data, "publisherId", required=True) or ""
    offer = _string(data, "offerId", required=True) or ""
    requested_by = _string(data, "requestedBy", required=True) or ""
    channel = _string(data, "slackChannel", required=False)
    job = _string(data, "jobId", required=False)
    submission = _string(data, "submissionId", required=False)
    emails_raw = data.get("notificationEmails", [])
    if emails_raw is None:
        emails_raw = []
    if not isinstance(emails_raw, list) or not all(isinstance(e, str) for e in emails_raw):
        raise WebhookInputError("invalid_type", "'notificationEmails' must be an array of strings.")
    try:
        publisher = validate_publisher_id(publisher)
        offer = validate_offer_id(offer)
        emails = validate_emails(emails_raw)
        if job is not None:
            validate_job_id(job)
        if submission is not None:
            validate_submission_id(submission)
    except InvalidInput as exc:
        raise WebhookInputError("invalid_value", str(exc)) from exc
    if not _CALLER_RE.match(requested_by):
        raise WebhookInputError(
            "invalid_value", "'requestedBy' must be the caller name its signing key is bound to (letters, digits, -_.)."
        )
    if channel is not None and not SLACK_CHANNEL_RE.match(channel):
        raise WebhookInputError("invalid_value", "'slackChannel' must be a Slack channel ID such as C0123ABCD.")
    target = target_from_json({"publisherId": publisher, "offerId": offer, "jobId": job, "submissionId": submission})
    return WebhookCancel(target, requested_by, emails, channel)


_JOB_FIELDS = {"publisherId", "offerId", "jobId", "requestedBy", "slackChannel"}


@dataclass(frozen=True)
class WebhookJob(Targeted):
    """A signed registration: the configure job a pipeline started (under its offer), who registers it, and where
    its progress goes."""

    target: JobTarget
    requested_by: str
    slack_channel: str | None = None


def parse_job_registration(data: object) -> WebhookJob:
    """Validate the body of `POST /api/webhooks/jobs` (a pipeline registering the job its `POST configure` started):
    the cancel body's rules, with `jobId` required and no `notificationEmails`."""
    data = _object_with_only(data, _JOB_FIELDS)
    _no_null_job(data)
    job = data.get("jobId")
    if job is None:
        raise WebhookInputError("missing_field", "'jobId' is required.")
    body = parse_webhook_body(data)
    target = JobTarget(body.publisher_id, body.offer_id, str(job))
    return WebhookJob(target, body.requested_by, body.slack_channel)


def _decodes(secret: str) -> bool:
    """Whether the key is base64 of at least 16 bytes (what Standard Webhooks signs with)."""
    body = secret.removeprefix("whsec_")
    try:
        return len(base64.b64decode(body + "=" * (-len(body) % 4), validate=True)) >= 16
    except (binascii.Error, ValueError):
        return False


def parse_webhook_keys(raw: str | None) -> tuple[WebhookKey, ...]:
    """Parse `WEBHOOK_SECRET`; raise ValueError (without echoing any secret) when an entry is malformed."""
    keys: list[WebhookKey] = []
    for position, entry in enumerate(re.split(r"[\s,]+", raw or ""), start=1):
        if not entry:
            continue
        if entry.startswith("whsec_"):  # bare key (its base64 may end in "=": not a caller separator)
            caller, secret = DEFAULT_CALLER, entry
        else:
            caller, _, secret = entry.partition("=")
        if not _CALLER_RE.match(caller):
            raise ValueError(f"WEBHOOK_SECRET entry {position}: the caller name is not valid")
        if not secret.startswith("whsec_") or len(secret) < len("whsec_") + 16 or not _decodes(secret):
            raise ValueError(
                f"WEBHOOK_SECRET entry {position}: the secret must be a whsec_<base64> key of 16+ characters"
            )
        keys.append(WebhookKey(caller, secret))
    return tuple(keys)
