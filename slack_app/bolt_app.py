"""The Bolt app: slash commands and button clicks, each authorized, answered within 3 seconds, and audited.

Shape of every listener: work out who is asking (from the signed payload, never from a button value), parse, check
the policy, do the one thing, answer, write one audit record (`Attempt`). Slash commands answer in the ack body
(ephemeral); clicks ack at once and answer through `respond` (the payload's response_url). Nothing here issues the
CPP cancel: Confirm starts the cancel orchestration (poll_function), whose instance ID comes from the
confirmation's request ID, so a double click or a second person finds the same instance instead of starting another.

Time budget: the Partner Portal is read through `slack_app.offers` (short timeouts, one deadline); group lookups
and the audit channel copy use a Web API client without the rate-limit retry (which would sleep Retry-After), so a
slow dependency becomes a clear message, not a Slack timeout. Any unexpected exception becomes "Something went
wrong (ref ...)" and a log line with that ref.

Built once per Settings object (`build_app`), so cold start and tests stay cheap. The durable client reaches the
listeners through the request context (`context["durable"]`, a `DurableGateway`), because it belongs to one
function invocation.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from cppcancel import policy
from cppcancel.audit import AuditRecord, Decision, Outcome
from cppcancel.contracts import (
    CANCEL_ORCHESTRATOR,
    STOP_WATCH_EVENT,
    CancelRequest,
    Requester,
    SlackTarget,
    WatchRequest,
    cancel_instance_id,
    json_object,
)
from cppcancel.settings import Settings
from cppcancel.times import iso, parse_iso, utc_now
from partner_portal import errors
from partner_portal.client import CppClient
from slack_app import blocks, grammar, offers
from slack_app.actions import (
    ABORT_CANCEL,
    CONFIRM_CANCEL,
    OPEN_CANCEL,
    STOP_WATCHING,
    CancelTicket,
    InvalidValue,
    OfferRef,
    StopWatch,
)
from slack_app.audit_sink import AuditSink
from slack_app.usergroups import UsergroupDirectory
from slack_app.web import web_client

log = logging.getLogger("slack_app")

SLACK_LOOKUP_TIMEOUT_S = 1  # usergroups.users.list and the audit copy (slack_sdk takes whole seconds)
ACK_BUDGET_S = 2.5  # of Slack's 3 s: the rest is the network between Slack and the app
DEFAULT_COMMAND = "/cpp"
_COMMAND_NAME = re.compile(r"/[A-Za-z0-9_.-]{1,31}\Z")
_FINISHED = frozenset({"Completed", "Failed", "Terminated", "Canceled"})
# A confirmation shows what was in flight when it was asked for; confirming it much later could stop a different,
# newer publish. (Slack's response_url, through which Confirm answers, lasts 30 minutes anyway.)
CONFIRMATION_TTL = timedelta(minutes=15)
_CLOCK_SKEW = timedelta(minutes=5)


# ---- the durable client, as the listeners see it -------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceStatus:
    """What the listeners need of an orchestration's status (found instances only)."""

    instance_id: str
    runtime_status: str | None
    created_at: datetime | None
    input: Any


class DurableGateway(Protocol):
    """Blocking calls into the durable client; `functions_adapter.DurableBridge` runs them on the function's loop."""

    def status(self, instance_id: str) -> InstanceStatus | None: ...

    def start(self, orchestrator: str, instance_id: str, payload: Mapping[str, Any]) -> str: ...

    def raise_event(self, instance_id: str, event_name: str, data: Mapping[str, Any]) -> None: ...


# ---- per-settings runtime ------------------------------------------------------------------------------------------


@dataclass
class Runtime:
    """What the listeners share for one Settings object: the policy, lookups, the CPP client, the audit sink."""

    settings: Settings
    policy: policy.Policy | None
    directory: UsergroupDirectory
    audit: AuditSink
    _cpp: CppClient | None = None
    _cpp_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    @property
    def cpp(self) -> CppClient:
        with self._cpp_lock:
            if self._cpp is None:
                self._cpp = offers.interactive_client(self.settings)
            return self._cpp


def interactive_web_client(settings: Settings) -> WebClient:
    """The shared WebClient's configuration without the rate-limit retry: inside a 3-second Slack request a
    lookup must fail fast rather than sleep for Retry-After."""
    base = web_client(settings)
    return WebClient(
        token=base.token,
        base_url=base.base_url,
        timeout=SLACK_LOOKUP_TIMEOUT_S,
        headers=dict(base.headers),
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )


@functools.lru_cache(maxsize=4)
def runtime(settings: Settings) -> Runtime:
    quick = interactive_web_client(settings)
    return Runtime(
        settings=settings,
        policy=policy.load_policy_logged(settings.cancel_policy),
        directory=UsergroupDirectory(quick),
        audit=AuditSink(settings.audit_channel_id, quick),
    )


# ---- payloads ------------------------------------------------------------------------------------------------------


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class Caller:
    """Who is asking and from where, as the signed payload says."""

    user_id: str
    display: str
    team_id: str | None
    channel_id: str | None

    @property
    def subject(self) -> policy.Subject:
        return policy.Subject(user_id=self.user_id, team_id=self.team_id, channel_id=self.channel_id)

    def requester(self) -> Requester:
        return Requester(display=self.display, user_id=self.user_id, team_id=self.team_id)

    @classmethod
    def from_command(cls, body: Mapping[str, Any]) -> Caller:
        user_id = _str(body.get("user_id"))
        if user_id is None:
            raise InvalidValue("the command payload names no user")
        return cls(
            user_id=user_id,
            display=_str(body.get("user_name")) or user_id,
            team_id=_str(body.get("team_id")),
            channel_id=_str(body.get("channel_id")),
        )

    @classmethod
    def from_action(cls, body: Mapping[str, Any]) -> Caller:
        user, team = _obj(body.get("user")), _obj(body.get("team"))
        channel, container = _obj(body.get("channel")), _obj(body.get("container"))
        user_id = _str(user.get("id"))
        if user_id is None:
            raise InvalidValue("the click payload names no user")
        return cls(
            user_id=user_id,
            display=_str(user.get("username")) or _str(user.get("name")) or user_id,
            team_id=_str(team.get("id")) or _str(user.get("team_id")),
            channel_id=_str(channel.get("id")) or _str(container.get("channel_id")),
        )


def _action_value(body: Mapping[str, Any]) -> object:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], Mapping):
        return actions[0].get("value")
    return None


def _command_name(body: Mapping[str, Any]) -> str:
    name = body.get("command")
    return name if isinstance(name, str) and _COMMAND_NAME.match(name) else DEFAULT_COMMAND


def _ticket(attempt: Attempt, value: object) -> CancelTicket:
    """The confirmation a button carries (validated again), recorded on the attempt for its audit line."""
    ticket = CancelTicket.from_value(value)
    attempt.publisher_id, attempt.offer_id, attempt.request_id = ticket.publisher_id, ticket.offer_id, ticket.request_id
    return ticket


_decoded = json_object  # orchestration inputs come back as an object or as its JSON text, depending on the host


# ---- one attempt, one audit record ---------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One person's command or click: who, what, on which offer, under which ref (the correlation ID they see).

    Each attempt writes one record; the only exception is an unexpected error after the outcome was recorded, which
    adds an `error` record with the same ref (the answer the person saw was "Something went wrong").
    """

    sink: AuditSink
    command: str
    ref: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    caller: Caller | None = None
    publisher_id: str | None = None
    offer_id: str | None = None
    request_id: str | None = None
    # Slack waits 3 s for the ack; everything this attempt does must fit in ACK_BUDGET_S of it.
    deadline: float = dataclasses.field(default_factory=lambda: time.monotonic() + ACK_BUDGET_S)

    def record(
        self, decision: Decision, outcome: Outcome, *, status_code: int | None = None, reason: str | None = None
    ) -> None:
        caller = self.caller
        self.sink.record(
            AuditRecord(
                source="slack",
                command=self.command,
                decision=decision,
                outcome=outcome,
                correlation_id=self.ref,
                who=caller.user_id if caller else None,
                display=caller.display if caller else None,
                workspace=caller.team_id if caller else None,
                channel=caller.channel_id if caller else None,
                publisher=self.publisher_id,
                offer=self.offer_id,
                cpp_status_code=status_code,
                request_id=self.request_id,
                reason=reason,
            )
        )


# ---- the listeners -------------------------------------------------------------------------------------------------


def _say(respond: Respond, message: blocks.Message, *, replace_original: bool) -> None:
    """Answer through response_url; a failure is logged, never raised (the click itself has been handled)."""
    try:
        response = respond(**message.to_kwargs(), response_type="ephemeral", replace_original=replace_original)
    except Exception as exc:
        log.warning("response_url post failed: %s", type(exc).__name__)
        return
    if response.status_code >= 400:
        log.warning("response_url post answered HTTP %s", response.status_code)


class Handlers:
    """The listeners' logic, with Bolt's objects passed in explicitly."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    # -- shared steps --------------------------------------------------------------------------------------------

    def refusal(self, attempt: Attempt) -> blocks.Message | None:
        """Check the policy for the attempt's caller and offer: None when allowed, else the (audited) answer."""
        assert attempt.caller is not None and attempt.publisher_id is not None and attempt.offer_id is not None
        pol = self.rt.policy
        is_member = self.rt.directory.is_member if pol is not None and pol.names_usergroups else None
        decision = policy.authorize(
            pol, attempt.caller.subject, attempt.publisher_id, attempt.offer_id, is_member=is_member
        )
        if decision.allowed:
            return None
        reason = f"missing {decision.missing.value}" if decision.missing else "refused"
        if decision.membership_unknown:
            reason += " (group membership could not be checked)"
        attempt.record("refused", "refused", reason=reason)
        return blocks.refusal_message(decision.explain(attempt.publisher_id, attempt.offer_id), attempt.ref)

    def confirmation(self, attempt: Attempt, notify: tuple[str, ...]) -> blocks.Message:
        """Read what is in flight and build the Confirm/Never mind message (audited)."""
        assert attempt.caller is not None and attempt.publisher_id is not None and attempt.offer_id is not None
        p, o = attempt.publisher_id, attempt.offer_id
        ticket = CancelTicket(uuid.uuid4().hex, p, o, notify, attempt.caller.user_id, iso(utc_now(), "seconds"))
        attempt.request_id = ticket.request_id
        try:
            view = offers.read_offer(self.rt.cpp, p, o, deadline=attempt.deadline)
        except errors.CppError as exc:
            if not exc.transient:  # 403/404/400...: the cancel would fail the same way; say what to do instead
                attempt.request_id = None
                attempt.record("allowed", "failed", status_code=exc.status_code, reason=exc.describe())
                return blocks.cpp_error_message(p, o, exc, attempt.ref)
            attempt.record(
                "allowed", "confirmation_shown", status_code=exc.status_code, reason=f"operations: {exc.code}"
            )
            return blocks.confirmation_message(ticket, None, lookup_problem=exc.describe(), ref=attempt.ref)
        attempt.record("allowed", "confirmation_shown", status_code=200)
        return blocks.confirmation_message(ticket, view.in_flight, lookup_problem=None, ref=attempt.ref)

    # -- slash command -------------------------------------------------------------------------------------------

    def command(self, ack: Ack, body: Mapping[str, Any]) -> None:
        attempt = Attempt(self.rt.audit, "command")
        try:
            attempt.caller = Caller.from_command(body)
            message = self._command(attempt, body)
        except Exception:
            log.exception("slash command failed (ref %s)", attempt.ref)
            attempt.record("none", "error", reason="unexpected error")
            message = blocks.unexpected_error_message(attempt.ref)
        ack(**message.to_kwargs(), response_type="ephemeral")

    def _command(self, attempt: Attempt, body: Mapping[str, Any]) -> blocks.Message:
        name = _command_name(body)
        text = body.get("text")
        try:
            parsed = grammar.parse(text if isinstance(text, str) else "")
        except grammar.ParseError as exc:
            attempt.command = "invalid"
            attempt.record("none", "invalid", reason=exc.message)
            return blocks.parse_error_message(name, exc.message, exc.usage)
        if isinstance(parsed, grammar.Help):
            attempt.command = "help"
            attempt.record("none", "unknown_command" if parsed.unknown else "shown")
            return blocks.help_message(name, parsed.unknown)
        attempt.command = type(parsed).__name__.lower()
        attempt.publisher_id, attempt.offer_id = p, o = parsed.publisher_id, parsed.offer_id
        refusal = self.refusal(attempt)
        if refusal is not None:
            return refusal
        if isinstance(parsed, grammar.Cancel):
            return self.confirmation(attempt, parsed.notify)
        try:
            view = offers.read_offer(self.rt.cpp, p, o, deadline=attempt.deadline)
        except errors.CppError as exc:
            attempt.record("allowed", "failed", status_code=exc.status_code, reason=exc.describe())
            return blocks.cpp_error_message(p, o, exc, attempt.ref)
        attempt.record("allowed", "shown", status_code=200)
        if isinstance(parsed, grammar.Ops):
            return blocks.ops_message(p, o, view.listed(), command=name, ref=attempt.ref)
        return blocks.status_message(p, o, view.focus, command=name, ref=attempt.ref)

    # -- clicks --------------------------------------------------------------------------------------------------

    def click(
        self, action: str, ack: Ack, body: Mapping[str, Any], respond: Respond, durable: DurableGateway | None
    ) -> None:
        """Common frame of every button: ack at once, then the action; bad values and surprises get a ref."""
        ack()
        attempt = Attempt(self.rt.audit, action)
        try:
            attempt.caller = Caller.from_action(body)
            handler = {
                CONFIRM_CANCEL: self._confirm,
                ABORT_CANCEL: self._abort,
                OPEN_CANCEL: self._open,
                STOP_WATCHING: self._stop_watching,
            }[action]
            handler(attempt, _action_value(body), respond, durable, _str(body.get("response_url")))
        except InvalidValue as exc:
            attempt.record("none", "invalid", reason=str(exc))
            _say(respond, blocks.invalid_button_message(attempt.ref), replace_original=False)
        except Exception:
            log.exception("%s failed (ref %s)", action, attempt.ref)
            attempt.record("none", "error", reason="unexpected error")
            _say(respond, blocks.unexpected_error_message(attempt.ref), replace_original=False)

    def _confirm(
        self,
        attempt: Attempt,
        value: object,
        respond: Respond,
        durable: DurableGateway | None,
        response_url: str | None,
    ) -> None:
        ticket = _ticket(attempt, value)
        p, o, rid = ticket.publisher_id, ticket.offer_id, ticket.request_id
        assert attempt.caller is not None
        refusal = self.refusal(attempt)  # the clicker, whoever typed the command
        if refusal is not None:
            _say(respond, refusal, replace_original=False)
            return
        if durable is None:
            raise RuntimeError("no durable client on this request")
        instance_id = cancel_instance_id("slack", rid)
        asked_at = parse_iso(ticket.asked_at)
        if asked_at is None or not -_CLOCK_SKEW < utc_now() - asked_at < CONFIRMATION_TTL:
            if self._already_requested(attempt, durable, instance_id, respond, replace_original=False):
                return
            attempt.record("allowed", "expired", reason=f"confirmation shown at {ticket.asked_at}")
            _say(respond, blocks.expired_confirmation_message(p, o, ticket.asked_at), replace_original=True)
            return
        if self._already_requested(attempt, durable, instance_id, respond, replace_original=False):
            return
        now = utc_now()
        caller = attempt.caller
        request = CancelRequest(
            request_id=rid,
            source="slack",
            publisher_id=p,
            offer_id=o,
            requester=caller.requester(),
            correlation_id=attempt.ref,
            requested_at=iso(now, "seconds"),
            notification_emails=ticket.notify,
            slack=SlackTarget(caller.channel_id, response_url=response_url) if caller.channel_id else None,
        )
        try:
            durable.start(CANCEL_ORCHESTRATOR, instance_id, request.to_json())
        except Exception as exc:
            # Azure (overridableExistingInstanceStates) and the dev host refuse a second start of a live ID.
            log.info("start of %s refused (%s), checking it (ref %s)", instance_id, type(exc).__name__, attempt.ref)
            if self._already_requested(attempt, durable, instance_id, respond, replace_original=True):
                return
            log.error("could not start %s (ref %s): %s", instance_id, attempt.ref, exc)
            attempt.record("allowed", "failed", reason="the cancel orchestration could not be started")
            _say(respond, blocks.start_failed_message(p, o, attempt.ref), replace_original=True)
            return
        # Said only once the orchestration exists: a host that dies in between must never leave "requested" standing
        # over a cancel that was not started. The orchestration's own answer on this response_url comes after the
        # cancel POST, so this reply is in practice long there before it.
        _say(respond, blocks.requested_message(p, o, caller.user_id, now), replace_original=True)
        attempt.record("allowed", "requested")

    def _already_requested(
        self, attempt: Attempt, durable: DurableGateway, instance_id: str, respond: Respond, *, replace_original: bool
    ) -> bool:
        """Whether this confirmation's orchestration exists already; if so, say by whom and when (audited).

        Fails closed: when the status cannot be read, nothing is started. NonRunningStates refuses a second start
        only while an instance is live - a finished one would be replaced and the cancel sent again.
        """
        try:
            existing = durable.status(instance_id)
        except Exception as exc:
            log.warning("status of %s unavailable (ref %s): %s", instance_id, attempt.ref, type(exc).__name__)
            attempt.record("allowed", "failed", reason="the state of this confirmation could not be read")
            assert attempt.publisher_id is not None and attempt.offer_id is not None
            message = blocks.start_failed_message(attempt.publisher_id, attempt.offer_id, attempt.ref)
            _say(respond, message, replace_original=replace_original)
            return True
        if existing is None:
            return False
        by, at = None, iso(existing.created_at, "seconds") if existing.created_at else None
        try:
            earlier = CancelRequest.from_json(_decoded(existing.input))
            by, at = earlier.requester.user_id, earlier.requested_at or at
        except (KeyError, TypeError, ValueError):
            pass
        attempt.record("allowed", "already_requested")
        assert attempt.publisher_id is not None and attempt.offer_id is not None
        message = blocks.already_requested_message(attempt.publisher_id, attempt.offer_id, by, at)
        _say(respond, message, replace_original=replace_original)
        return True

    def _abort(
        self,
        attempt: Attempt,
        value: object,
        respond: Respond,
        durable: DurableGateway | None,
        response_url: str | None,
    ) -> None:
        ticket = _ticket(attempt, value)
        assert attempt.caller is not None
        attempt.record("none", "abandoned")
        message = blocks.abandoned_message(ticket.publisher_id, ticket.offer_id, attempt.caller.user_id)
        _say(respond, message, replace_original=True)

    def _open(
        self,
        attempt: Attempt,
        value: object,
        respond: Respond,
        durable: DurableGateway | None,
        response_url: str | None,
    ) -> None:
        offer = OfferRef.from_value(value)
        attempt.publisher_id, attempt.offer_id = offer.publisher_id, offer.offer_id
        refusal = self.refusal(attempt)
        _say(respond, refusal or self.confirmation(attempt, ()), replace_original=False)

    def _stop_watching(
        self,
        attempt: Attempt,
        value: object,
        respond: Respond,
        durable: DurableGateway | None,
        response_url: str | None,
    ) -> None:
        stop = StopWatch.from_value(value)
        if durable is None:
            raise RuntimeError("no durable client on this request")
        assert attempt.caller is not None
        attempt.publisher_id, attempt.offer_id = p, o = stop.publisher_id, stop.offer_id
        existing = durable.status(stop.instance_id)
        if existing is not None:
            try:  # authorize against what the watcher really watches, not only what the button says
                watched = WatchRequest.from_json(_decoded(existing.input))
            except (KeyError, TypeError, ValueError):
                raise InvalidValue("the watcher's own request cannot be read") from None  # fail closed
            if (watched.publisher_id, watched.offer_id) != (p, o):
                raise InvalidValue("the button's offer is not the one this watcher follows")
        refusal = self.refusal(attempt)
        if refusal is not None:
            _say(respond, refusal, replace_original=False)
            return
        if existing is None or existing.runtime_status in _FINISHED:
            attempt.record("allowed", "not_running")
            _say(respond, blocks.watch_gone_message(p, o), replace_original=False)
            return
        data = {"userId": attempt.caller.user_id, "display": attempt.caller.display}
        try:
            durable.raise_event(stop.instance_id, STOP_WATCH_EVENT, data)
        except Exception as exc:  # 404/410: it finished between the two calls
            log.info("stop event for %s not delivered (ref %s): %s", stop.instance_id, attempt.ref, exc)
            attempt.record("allowed", "not_running")
            _say(respond, blocks.watch_gone_message(p, o), replace_original=False)
            return
        attempt.record("allowed", "stopped")
        _say(respond, blocks.stopped_watching_message(p, o), replace_original=False)


# ---- the app -------------------------------------------------------------------------------------------------------


def _ssl_check(body: dict[str, Any], next_: Callable[[], BoltResponse]) -> BoltResponse:
    """Slack's periodic ssl_check, answered only after the signature check (Bolt's built-in one runs before it)."""
    if body.get("ssl_check") == "1":
        return BoltResponse(status=200, body="")
    return next_()


@functools.lru_cache(maxsize=4)
def build_app(settings: Settings) -> App:
    """The Bolt app for these settings. Requires the signing secret and the bot token (the caller checks)."""
    if not settings.slack_signing_secret or not settings.slack_bot_token:
        raise ValueError("SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are required")
    handlers = Handlers(runtime(settings))
    bot_token = settings.slack_bot_token

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        # One workspace, one bot token: no auth.test round trip to Slack on the first request of every worker
        # (Bolt's single-team default), which would cost cold starts time and fail them when Slack is slow.
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot_token, user_id=user_id)

    app = App(
        name="cppcancel",
        signing_secret=settings.slack_signing_secret,
        authorize=authorize,
        client=web_client(settings),  # the configured base URL and retry handlers; it carries the same token
        process_before_response=True,
        token_verification_enabled=False,
        ssl_check_enabled=False,
        url_verification_enabled=False,
    )
    app.use(_ssl_check)

    @app.command(re.compile(r".*"))
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        handlers.command(ack, body)

    def on_click(action: str) -> Callable[[Ack, dict[str, Any], Respond, BoltContext], None]:
        def listener(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
            handlers.click(action, ack, body, respond, context.get("durable"))

        listener.__name__ = f"on_{action}"
        return listener

    for action in (CONFIRM_CANCEL, ABORT_CANCEL, OPEN_CANCEL, STOP_WATCHING):
        app.action(action)(on_click(action))

    @app.action(re.compile(r".*"))
    def on_other_action(ack: Ack, body: dict[str, Any]) -> None:
        """Buttons this app does not handle (a link button, an old message): acknowledge, do nothing."""
        ack()
        action = _obj((body.get("actions") or [{}])[0])
        log.info("ignored action %s", _str(action.get("action_id")))

    return app
