"""The slash command's grammar: text in, a command value (or a ParseError saying what was wrong) out.

Pure and total on purpose: whatever a person types, `parse` returns a command or raises `ParseError`, never anything
else, so a typo can never become a 500 or a cancel of the wrong thing. Identifier and e-mail rules are the shared
ones in `cppcancel.identifiers`, so Slack and the webhook refuse exactly the same inputs.

    help                                            (also: empty text, unknown verbs)
    ops <publisher> <offer>
    status <publisher> <offer> [job=<jobId> | submission=<submissionId>]
    history <publisher> <offer>
    cancel <publisher> <offer> [notify=a@x.com,b@x.com] [job=<jobId> | submission=<submissionId>]

`job=` names a Product Ingestion configure job (the Partner Center API of newer offers) instead of the offer's CPP
publish; `submission=` an Azure Application's in-progress submission (the Partner Center submission API). Verbs and
the `notify=`/`job=`/`submission=` keys are case-insensitive; publisher and offer IDs are lowercased
(`cppcancel.identifiers`), job and submission IDs kept as typed. Usage lines carry no command name: the caller
prefixes whatever name the workspace gave the command (`/cpp` by default).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from cppcancel import identifiers
from cppcancel.targets import Target, Targeted, target_of

MAX_TEXT_LENGTH = 500

USAGE = {
    "ops": "ops <publisher> <offer>",
    "status": "status <publisher> <offer> [job=<jobId> | submission=<submissionId>]",
    "cancel": "cancel <publisher> <offer> [notify=a@x.com,b@x.com] [job=<jobId> | submission=<submissionId>]",
    "history": "history <publisher> <offer>",
    "help": "help",
}
GENERAL_USAGE = "ops | status | cancel <publisher> <offer> - or help"

# Slack may send e-mail addresses as `<mailto:a@x.com|a@x.com>` (when the app asks for escaped text).
_MAILTO = re.compile(r"<mailto:([^|>]*)(?:\|[^>]*)?>")
# "notify=a@x.com, b@x.com": a space after a comma is a typing habit, not a new argument.
_COMMA_SPACE = re.compile(r"\s*,\s*")
_NOTIFY = "notify="
_JOB = "job="
_SUBMISSION = "submission="


@dataclass(frozen=True)
class Help:
    """Show usage. `unknown` is the verb that was not understood, if that is why."""

    unknown: str | None = None


@dataclass(frozen=True)
class Ops:
    publisher_id: str
    offer_id: str


@dataclass(frozen=True)
class Status(Targeted):
    """A target's state: the offer's latest operation, or with `job=` that configure job's."""

    target: Target


@dataclass(frozen=True)
class History:
    """The offer's last cancel attempts, from the app's own record."""

    publisher_id: str
    offer_id: str


@dataclass(frozen=True)
class Cancel(Targeted):
    """Cancel a target: what the offer alone names (its publish; a registered job of the offer, if one runs), or
    with `job=` that configure job."""

    target: Target
    notify: tuple[str, ...] = ()


Command = Help | Ops | Status | History | Cancel


class ParseError(ValueError):
    """What was wrong (`message`, a full sentence) and the right form (`usage`, without the command name)."""

    def __init__(self, message: str, usage: str = GENERAL_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage


def _normalise(text: str) -> str:
    text = html.unescape(_MAILTO.sub(r"\1", text))
    return _COMMA_SPACE.sub(",", text.strip())


def _ids(verb: str, args: list[str]) -> tuple[str, str]:
    usage = USAGE[verb]
    if not args:
        raise ParseError("The publisher and offer IDs are missing.", usage)
    if len(args) == 1:
        raise ParseError("The offer ID is missing.", usage)
    if len(args) > 2:
        shown = " ".join(args[2:])
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise ParseError(f"I did not expect {shown!r} after the offer ID.", usage)
    try:
        return identifiers.validate_publisher_id(args[0]), identifiers.validate_offer_id(args[1])
    except identifiers.InvalidInput as exc:
        raise ParseError(str(exc), usage) from None


def _notify(value: str) -> tuple[str, ...]:
    addresses = [item for item in value.split(",") if item]
    if not addresses:
        raise ParseError("notify= needs at least one e-mail address.", USAGE["cancel"])
    try:
        return identifiers.validate_emails(addresses)
    except identifiers.InvalidInput as exc:
        raise ParseError(str(exc), USAGE["cancel"]) from None


def _option(verb: str, args: list[str], key: str, validate: Callable[[str], str]) -> tuple[list[str], str | None]:
    """`key<value>` (`job=`, `submission=`) taken out of `args` (once at most), validated; the other arguments as
    they were."""
    given = [arg for arg in args if arg.lower().startswith(key)]
    if len(given) > 1:
        raise ParseError(f"Give {key} once, with one ID.", USAGE[verb])
    rest = [arg for arg in args if not arg.lower().startswith(key)]
    if not given:
        return rest, None
    try:
        return rest, validate(given[0][len(key) :])
    except identifiers.InvalidInput as exc:
        raise ParseError(str(exc), USAGE[verb]) from None


def _target_options(verb: str, args: list[str]) -> tuple[list[str], str | None, str | None]:
    """`job=` and `submission=` (at most one of them): the other arguments, the job, the submission."""
    args, job = _option(verb, args, _JOB, identifiers.validate_job_id)
    args, submission = _option(verb, args, _SUBMISSION, identifiers.validate_submission_id)
    if job and submission:
        raise ParseError("Name a job= or a submission=, not both.", USAGE[verb])
    return args, job, submission


def parse(text: str) -> Command:
    """Parse the text after the command name. Raises only ParseError."""
    if len(text) > MAX_TEXT_LENGTH:
        raise ParseError(f"The command is too long ({len(text)} characters; at most {MAX_TEXT_LENGTH}).")
    tokens = _normalise(text).split()
    if not tokens:
        return Help()
    verb, args = tokens[0].lower(), tokens[1:]
    if verb == "help":
        return Help()
    if verb == "ops":
        return Ops(*_ids(verb, args))
    if verb == "status":
        args, job, submission = _target_options(verb, args)
        return Status(target_of(*_ids(verb, args), job, submission))
    if verb == "history":
        return History(*_ids(verb, args))
    if verb == "cancel":
        args, job, submission = _target_options(verb, args)
        positional = [arg for arg in args if not arg.lower().startswith(_NOTIFY)]
        options = [arg for arg in args if arg.lower().startswith(_NOTIFY)]
        if len(options) > 1:
            raise ParseError("Give notify= once, with the addresses separated by commas.", USAGE["cancel"])
        publisher_id, offer_id = _ids(verb, positional)
        notify = _notify(options[0][len(_NOTIFY) :]) if options else ()
        if notify and (job or submission):
            raise ParseError(
                "notify= is for CPP cancels only: a configure job's or a submission's cancel sends no e-mail.",
                USAGE["cancel"],
            )
        return Cancel(target_of(publisher_id, offer_id, job, submission), notify)
    shown = verb if len(verb) <= 30 else verb[:27] + "..."
    return Help(unknown=shown)


def render(command: Command) -> str:
    """The canonical text for a command: `parse(render(c)) == c` for every valid command."""
    if isinstance(command, Help):
        return "help"
    if isinstance(command, Ops):
        return f"ops {command.publisher_id} {command.offer_id}"
    if isinstance(command, Status):
        return f"status {command.publisher_id} {command.offer_id}{_options(command.target)}"
    if isinstance(command, History):
        return f"history {command.publisher_id} {command.offer_id}"
    text = f"cancel {command.publisher_id} {command.offer_id}{_options(command.target)}"
    return text + (f" notify={','.join(command.notify)}" if command.notify else "")


# What a target adds to its offer, as the command spells it (`job=`): the JSON keys of `cppcancel.targets`.
_OPTIONS = {"jobId": _JOB, "submissionId": _SUBMISSION}


def _options(target: Target) -> str:
    return "".join(f" {_OPTIONS[key]}{value}" for key, value in target.extra_json().items())
