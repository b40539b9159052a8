"""The one Protocol every marketplace API implements (`Backend`), and the neutral values it answers in.

What the app needs of an API, and nothing more:

- sending the cancel (`cancel_function.exactly_once` drives the order): `sender(settings, target)` opens a `Sender`
  on one session - `reachable()`, the safe read that says the API can be reached at all, then `post(request)`, the
  ONE cancel POST, answered as a tagged `cppcancel.sending` result with what the record keeps (`Posted`);
- what to follow when no cancel's answer names it (`to_follow`: a re-run that must not send again, a registered job);

and, beside those, what the watcher and the chats ask of it (see the members below). A backend never knows who asks
(Slack, a webhook, Teams) and the code that asks never knows which backend answers: `backends.registry.backend_for`
picks it by the target's kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self

from backends.http.operation import Operation
from cppcancel.error_info import ErrorInfo
from cppcancel.jsonread import number

if TYPE_CHECKING:
    from cppcancel.contracts import CancelRequest, WatchRequest
    from cppcancel.policy import Membership, Policy, Subject
    from cppcancel.sending import Posted
    from cppcancel.settings import Settings
    from cppcancel.targets import Target


@dataclass(frozen=True)
class PollResult:
    """Result of a poll activity: the operation read, or the error that prevented it (ApiError JSON).

    A configure job may be read only so often, whoever watches it (`poll_job`): `next_read_at` (ISO) is the earliest
    moment anyone may read it again and `min_interval_s` the least time between two reads. When it was not this
    watcher's turn, `shared` marks an operation another read got (not read by this poll), and `deferred` a poll that
    learnt nothing new (no read, and no status to share yet). The keys are written only when set, so results
    recorded before they existed read back unchanged.
    """

    ok: bool
    operation: Operation | None = None
    retry_after_s: float | None = None
    error: ErrorInfo = field(default_factory=ErrorInfo.none)
    next_read_at: str | None = None
    min_interval_s: float | None = None
    shared: bool = False
    deferred: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", ErrorInfo.of(self.error))

    @property
    def transient(self) -> bool:
        return self.error.transient

    @property
    def error_message(self) -> str:
        return self.error.message or "the operation could not be read"

    @property
    def read(self) -> bool:
        """Whether this poll itself read the API (a shared or deferred answer did not)."""
        return not (self.shared or self.deferred)

    def _pacing(self) -> dict[str, Any]:
        data: dict[str, Any] = {"nextReadAt": self.next_read_at, "minIntervalS": self.min_interval_s}
        data.update(shared=self.shared or None, deferred=self.deferred or None)
        return {key: value for key, value in data.items() if value is not None}

    def to_json(self) -> dict[str, Any]:
        if self.ok and self.operation is not None:
            data = {"ok": True, "operation": self.operation.to_json(), "retryAfterS": self.retry_after_s}
        else:
            data = {"ok": False, "error": self.error.to_json(), "retryAfterS": self.retry_after_s}
        return {**data, **self._pacing()}

    @classmethod
    def from_json(cls, data: object) -> PollResult:
        if not isinstance(data, Mapping):
            return cls(False, error=ErrorInfo("invalid_result", "the poll activity returned nothing usable"))
        retry = number(data.get("retryAfterS"))
        next_read = data.get("nextReadAt")
        paced = cls(
            False,
            next_read_at=next_read if isinstance(next_read, str) else None,
            min_interval_s=number(data.get("minIntervalS")),
            shared=data.get("shared") is True,
            deferred=data.get("deferred") is True,
        )
        if data.get("ok") and data.get("operation") is not None:
            try:
                return replace(paced, ok=True, operation=Operation.from_json(data["operation"]), retry_after_s=retry)
            except ValueError as exc:
                return cls(False, error=ErrorInfo("invalid_response", str(exc)))
        raw = data.get("error")
        error = ErrorInfo.from_json(raw) if isinstance(raw, Mapping) else ErrorInfo("unknown", "the poll failed")
        if retry is None:
            retry = number(error.retry_after_s)
        return replace(paced, retry_after_s=retry, error=error)


@dataclass(frozen=True)
class Look:
    """What one read of an API shows of a target: `focus`, the target as an operation now (an offer's in-flight
    publish, else its newest; a job's status), `listed`, the offer's operations when the API lists them (newest
    first), `incomplete` when the focus's own record could not be read in time, `ended` when nothing is left to
    cancel (a job that completed), and `refusal` when the API's own rule says it may not be cancelled any more, in
    words for the person who asked (a submission past certification: "too late", and what is safe now)."""

    focus: Operation | None
    listed: tuple[Operation, ...] = ()
    incomplete: bool = False
    ended: bool = False
    refusal: str | None = None

    @property
    def in_flight(self) -> Operation | None:
        return self.focus if self.focus is not None and self.focus.is_in_flight else None

    def listed_with_focus(self) -> list[Operation]:
        """The list, with the focus operation replaced by its detailed read."""
        focus = self.focus
        return [focus if focus is not None and op.id == focus.id else op for op in self.listed]


@dataclass(frozen=True)
class Running:
    """A target of an offer that its API's record knows to be running (a registered job, and who said so when), or
    that the API itself lists in flight (a submission: `detail`, its words). `refusal`: why it may no longer be
    cancelled (shown without a Cancel… button)."""

    target: Target
    registered_by: str
    registered_at: str
    detail: str | None = None
    refusal: str | None = None


@dataclass(frozen=True)
class Asker:
    """Who asks about a target, for the checks its API adds to the policy's: the policy and the caller's subject
    (with the group lookups of the chat it asks from: Slack's user groups, Entra groups for Teams), a webhook
    caller's name, and whether it is a cancel (a read asks less)."""

    policy: Policy | None
    subject: Subject
    is_member: Membership | None = None
    is_entra_member: Membership | None = None
    webhook_caller: str | None = None
    cancel: bool = True


@dataclass(frozen=True)
class Refusal:
    """Why a target may not be acted on under the offer named (`code`, for the webhook and the audit record) and
    what to tell the caller. `unverified`: the app's record could not say (nothing is done; retry)."""

    code: str
    message: str
    unverified: bool = False


class Sender(Protocol):
    """One cancel of one target, on one session of its API: the reachability read, then the one POST."""

    def reachable(self) -> ErrorInfo | None:
        """Whether the API cannot be reached at all (a safe, retried read): the error if so, else None. Any answer -
        even an error - means the API is there, and the POST goes ahead as asked."""
        ...

    def post(self, request: CancelRequest) -> Posted:
        """The one POST (never retried once a byte may have left), answered as a tagged result - never raised."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


class ClientSender:
    """What every `Sender` does with its one HTTP client: close it when the send is done (`with` closes it)."""

    def __init__(self, client: Closable) -> None:
        self._session_client = client

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._session_client.close()


class Closable(Protocol):
    def close(self) -> None: ...


class Backend(Protocol):
    """One marketplace API, as the rest of the app sees it."""

    @property
    def service(self) -> str:
        """Who speaks, in the messages ("the Partner Portal")."""
        ...

    def sender(self, settings: Settings, target: Target) -> Sender:
        """A `Sender` for `target`'s cancel (its HTTP client is built here, not at import)."""
        ...

    def to_follow(self, settings: Settings, target: Target) -> str | None:
        """What to follow for `target` when no cancel's answer names it (None: nothing can be found quickly)."""
        ...

    # -- reading, for the chats --------------------------------------------------------------------------------------

    def look(self, settings: Settings, target: Target, *, deadline: float | None = None) -> Look:
        """What `target` is now, for a status or a confirmation (an offer's publish: its operations too). Within
        `deadline` (time.monotonic(): a request a person waits for, with short timeouts and no retries) or, without
        one, on this thread with the API's own limits. Raises ApiError when it cannot be read."""
        ...

    def running(self, settings: Settings, publisher_id: str, offer_id: str) -> list[Running]:
        """The offer's targets this API's record knows to be running - or, for an API that can list what is in
        flight, that it lists - newest first (what naming the offer alone may mean; [] when they cannot be read in
        time - the log says why)."""
        ...

    def offer_claim(self, settings: Settings, publisher_id: str, offer_id: str) -> list[Running] | None:
        """What naming the offer alone means on this API, when the offer is its own and it can list what is in flight:
        those targets ([]: the offer is this API's and nothing is in flight). None: the offer is not this API's, or
        this API cannot say - naming the offer alone keeps its usual meaning (its CPP publish). Raises ApiError
        when the API that would know could not be read."""
        ...

    def refusal(self, settings: Settings, target: Target, asker: Asker) -> Refusal | None:
        """What this API's targets demand beyond the policy on the offer named (a configure job belongs to the
        offer it was registered under): None when `asker` may go on."""
        ...

    # -- watching ------------------------------------------------------------------------------------------------------

    @property
    def poll_activity(self) -> str:
        """The activity the watcher reads this API with: its name is in every recorded history, so it never changes
        (`poll_operation`, `poll_job`)."""
        ...

    def poll_input(self, watch: WatchRequest) -> dict[str, Any]:
        """That activity's input for one read of what `watch` follows (pure: the watcher calls it in orchestrator
        code, so the same history always gives the same input)."""
        ...

    def follow(self, settings: Settings, data: Mapping[str, Any]) -> PollResult:
        """One read of what a watcher follows (`data`: the activity's input), as the neutral `Operation` - or the
        error that prevented it, as a value (never raised: the watcher backs off on durable timers)."""
        ...

    def watch_ended(self, settings: Settings, watch: WatchRequest, ending: Mapping[str, Any]) -> None:
        """What this API's record keeps of a watch's end (a registered job that ended is no longer offered); may
        raise StoreUnavailable."""
        ...


def _nothing_more(operation: Operation | None) -> str | None:
    return None


@dataclass(frozen=True)
class Wording:
    """What a person reads about one API's targets, in plain sentences (IDs marked with backticks, which every chat
    reads as code), so that every chat tells the same story without asking which API it is.

    `noun`: what is cancelled, in general ("publish", "configure job"). `item`: how the API's operations are named
    under a progress message ("Operation", "Job"). `followed`: what a
    watcher of it follows. `look`: the command that shows where a cancel of it stands (`ops`: the offer's operations;
    `status`: the target's own status). `names_it`: what to check when the API does not know it. `at_once`, `taken`
    and `canceled_reply` are templates (`{code}`, `{kind}`, `{after}`); so are `asks` (what a confirmation's dialog
    says the cancel does: `{offer}`, `{item}`) beside `keep` (its button that does not cancel), and
    `running_heading` (above the running targets its record knows). `caveat`: what a person must know about a
    cancelled one. `ended`: how a target ended in the API's words, when it says more than the operation's status
    (a job's `jobStatus (jobResult)`).
    """

    service: str
    noun: str
    item: str
    followed: str
    look: Literal["ops", "status"]
    names_it: str
    at_once: str
    taken: str
    canceled_reply: str
    asks: str
    keep: str
    running_heading: str = ""
    caveat: str | None = None
    ended: Callable[[Operation | None], str | None] = _nothing_more
