"""What to do next, for a person reading about a failure in Slack (pure).

Advice is part of every message about something that did not simply work: the command replies (a Partner Portal read
that failed) and the channel report of a failed or unfollowed cancel. Two rules matter most: a cancel that may have
been carried out (`outcomeUnknown`) is never followed by "try again" - that could cancel twice, or cancel the next
publish - and advice never shows what the policy contains.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backends.base import Wording
from backends.http import errors
from backends.registry import wording_for
from cppcancel.error_info import ErrorInfo
from cppcancel.targets import Target, offer_target
from slack_app import grammar
from slack_app.mrkdwn import code, format_duration

OPS_COMMAND = "/cpp ops"


def next_step_after_read(error: errors.ApiError, publisher_id: str) -> str:
    """What the person can do about a Partner Portal read that failed (`/cpp ops`, `/cpp status`, `/cpp cancel`)."""
    if isinstance(error, errors.Forbidden):
        return (
            f"Ask an admin to add the app's identity to publisher {code(publisher_id)} in Partner Center "
            "(Account settings › User management › Microsoft Entra applications)."
        )
    if isinstance(error, errors.NotFound):
        return (
            "Check the publisher and offer IDs (they are the ones in the Partner Portal's URLs). If they are right, "
            "the offer is served by another API: for the Product Ingestion API, name its configure job with "
            f"{code('job=<jobId>')} (`/cpp help` says which API serves which offer)."
        )
    if isinstance(error, errors.InvalidRequest):
        return "Check the publisher and offer IDs (they are the ones in the Partner Portal's URLs)."
    if isinstance(error, errors.Unauthorized | errors.TokenUnavailable):
        return "The app could not sign in to the Partner Portal: ask an admin to check its identity."
    if error.transient:
        return "Try again in a minute."
    return "Try again in a minute; if it keeps failing, ask an admin and quote the ref below."


# What to do after a failed cancel, by error code. `{look}` is where to look (`/cpp ops`, or for a configure job
# `/cpp status <p> <o> job=<id>`), `{api}` / `{Api}` the API the cancel went to.
_NEXT_STEP: dict[str, str] = {
    "forbidden": "Ask a Partner Center admin to add this app's identity to the publisher (Partner Center › Account "
    "settings › User management › Microsoft Entra applications), then try again.",
    "not_found": "Check {names_it} with `{look}`.",
    "timeout": "The outcome is unknown: the cancel may or may not have been taken. Check `{look}` before trying again.",
    "unknown_outcome": "The outcome is unknown: the cancel may or may not have been taken. Check `{look}` before "
    "trying again.",
    "server_error": "Try again in a minute; if it keeps failing, check `{look}` first.",
    "throttled": "{Api} is busy: try again in {wait}.",
    "connection_error": "{Api} could not be reached: try again in a minute.",
    "not_recorded": "Nothing was sent. Try again in a minute; if it keeps failing, ask an admin to check the app's "
    "storage account (the identity needs Storage Table Data Contributor).",
    "unauthorized": "The app's credentials were refused: ask an admin to check its identity and token.",
    "conflict": "The offer is not in a state that can be cancelled: check `{look}`.",
    "bad_request": "Check {names_it} with `{look}`.",
    "invalid_response": "The outcome is unknown: check `{look}` before trying again.",
    "already_completed": "Nothing to retry: the job finished before the cancel reached it. `/cpp status <publisher> "
    "<offer> job=<job ID>` shows how it ended.",
    # A failed cancel with an unsafe URL is a redirect (an accepted cancel with one is reported as accepted).
    "unsafe_url": "The app never follows a redirect (its token stays with {api}). The outcome is unknown: check "
    "`{look}` before trying again.",
}
_DEFAULT_NEXT_STEP = "Check `{look}` before trying again."
_STATUS_NEXT_STEP: dict[int, str] = {403: "forbidden", 404: "not_found", 429: "throttled"}
NOT_FOLLOWED_NEXT_STEP = (
    f"The Partner Portal took the cancel: do not send it again. Follow it with `{OPS_COMMAND}` until it ends."
)


def look_command(target: Target, words: Wording) -> str:
    """The command that shows where a cancel of `target` stands: the offer's operations, or the target's status."""
    return OPS_COMMAND if words.look == "ops" else f"/cpp {grammar.render(grammar.Status(target))}"


def next_step_hint(
    error: ErrorInfo | Mapping[str, Any] | None, words: Wording | None = None, look: str = OPS_COMMAND
) -> str:
    """What a person should do after a failed cancel, from its error (`code`, `statusCode`; JSON is parsed first).

    When the cancel may have been carried out (`outcomeUnknown`: a timeout, a dropped connection or a 5xx after it
    was sent), the advice is always to look before trying again, whatever the error's kind: "try again" could cancel
    twice - or cancel the next publish.

    `words`: what is said of the target's API (its name, what names a target of it); `look`: the command that shows
    where the cancel stands (`look_command`).
    """
    info = error if isinstance(error, ErrorInfo) else ErrorInfo.from_json(error or {})
    key, status, retry_after = info.code or "", info.status_code, info.retry_after_s
    if info.outcome_unknown:
        key = "unknown_outcome"
    if key not in _NEXT_STEP and status is not None:
        key = _STATUS_NEXT_STEP.get(status, "server_error" if status >= 500 else key)
    template = _NEXT_STEP.get(key, _DEFAULT_NEXT_STEP)
    words = words or wording_for(offer_target("", ""))  # unnamed: the words of what an offer alone names
    api = words.service
    wait = format_duration(retry_after) if retry_after is not None and 0 < retry_after <= 3600 else "a minute"
    return template.format(look=look, api=api, Api=api[:1].upper() + api[1:], wait=wait, names_it=words.names_it)
