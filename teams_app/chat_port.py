"""Microsoft Teams behind the chat port (`cppcancel.chat.ChatPort`): the announcement, the pointer, the card kept
up to date in place and its replies, through the Bot Connector's conversation API.

Where: the request's conversation ID is a `teams_app.address.Address` (the conversation and the serviceUrl of the
validated activity it came from), read back from durable state and checked again; the bot's token goes only under
that serviceUrl's `/v3/` (`teams_app.outbound.allowed`, as the SDK's fence does in a turn), without redirects or
environment proxies. The calls (Bot Framework REST API, ../shared/reference/teams.md):
- `POST /v3/conversations/{id}/activities` (answers `{id}`): the announcement, a new card, a reply (`replyToId`);
- `PUT /v3/conversations/{id}/activities/{activityId}`: the card replaced in place - the watcher's progress, and
  the confirmation card pointed at the announcement (`point`: its ID is the request's reply address).
Each activity makes its calls synchronously with `requests` (one or two a run), not through the SDK's async client:
the orchestrations' activities never load the SDK.

A two-person rule's request (`ask_approval` / `show_approval`, `cppcancel.approvals`) is one more card: posted once
to the request's conversation, saying who asked, what will be cancelled, how many approvals are still needed and
until when, with **Approve** (`Action.Execute`, destructive style) and **Withdraw** (for whoever asked: the listener
refuses anyone else), and replaced in place by PUT to that activity as approvals arrive and when the cancel is sent,
withdrawn or expires (then without actions). The clicks are answered by `teams_app.clicks`, for whoever clicked.

What is said is rendered once, as for Slack (`slack_app.progress`: the same words from the same watch decisions),
as Adaptive Cards (`teams_app.cards`); the progress card carries **Stop watching** (`Action.Execute`, answered by
`teams_app.clicks`) until the end. Failures are sorted as Slack's are: 429 comes back as `retryAfterS` (the
watcher waits on a durable timer), 5xx and network errors are raised (the activity retry), other refusals (the bot
removed, the conversation gone, a bad address) are values. One post per run (an activity that dies in flight runs
again whole): a card posted anew leaves its reply to the next call (`thread_pending`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from cppcancel.approvals import ApprovalRecord
from cppcancel.chat import ChatResult, ChatUpdate, ProgressView, Rendering, ReportResult
from cppcancel.contracts import CancelOutcome, CancelRequest, Requester, SlackTarget
from cppcancel.settings import get_settings
from slack_app import progress
from slack_app.approval_message import render_approval
from slack_app.blockkit import Message
from teams_app import cards
from teams_app.address import Address
from teams_app.outbound import allowed
from teams_app.verbs import APPROVE_CANCEL, STOP_WATCH, WITHDRAW_CANCEL

log = logging.getLogger(__name__)

TIMEOUT_S = (5.0, 15.0)
PROGRESS_BUTTONS: cards.ButtonMap = {"stop_watching": cards.value_button(STOP_WATCH)}
APPROVAL_BUTTONS: cards.ButtonMap = {
    "approve_cancel": cards.value_button(APPROVE_CANCEL),
    "withdraw_cancel": cards.value_button(WITHDRAW_CANCEL),
}
POINTER = "Cancel requested: the card below follows it until it ends."


class TeamsTransientError(RuntimeError):
    """The Bot Connector failed in a way a retry may fix (5xx, a network error): the activity retry runs it again."""


class TeamsRefused(Exception):
    """The Bot Connector refused for good (or asked to wait: `retry_after_s`)."""

    def __init__(self, status: int, retry_after_s: float | None = None) -> None:
        super().__init__(f"the Bot Connector answered HTTP {status}")
        self.status = status
        self.retry_after_s = retry_after_s

    @property
    def code(self) -> str:
        return "ratelimited" if self.status == 429 else f"teams_http_{self.status}"


def _names(*people: Requester | None) -> dict[str, str]:
    return {p.user_id: p.display for p in people if p is not None and p.user_id}


def _card(message: Message, names: Mapping[str, str]) -> cards.Card:
    return cards.to_card(cards.teams_words(message), names=names, buttons=PROGRESS_BUTTONS)


class Connector:
    """The conversation API under one validated serviceUrl, with the bot's token (blocking)."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self._session = requests.Session()
        self._session.trust_env = False  # no environment proxies, no .netrc credentials

    def _url(self, activity_id: str | None) -> str:
        base = self.address.service_url.rstrip("/")
        url = f"{base}/v3/conversations/{quote(self.address.conversation_id, safe='')}/activities"
        return url if activity_id is None else f"{url}/{quote(activity_id, safe='')}"

    def send(self, activity: dict[str, Any], activity_id: str | None = None) -> str:
        """POST a new activity (or PUT over `activity_id`); its ID. Raises TeamsRefused / TeamsTransientError."""
        from teams_app.tokens import BOT_SCOPE, identity_tokens

        url = self._url(activity_id)
        if not allowed(url, self.address.service_url):
            raise TeamsRefused(400)
        token = identity_tokens(get_settings().teams).get(BOT_SCOPE)
        method = "PUT" if activity_id else "POST"
        try:
            response = self._session.request(
                method,
                url,
                json=activity,
                headers={"Authorization": f"Bearer {token}"},
                timeout=TIMEOUT_S,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TeamsTransientError(f"the Bot Connector could not be reached ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise TeamsTransientError(f"the Bot Connector answered HTTP {response.status_code}")
        if response.status_code == 429:
            raise TeamsRefused(429, _retry_after(response.headers.get("Retry-After")))
        if response.status_code not in (200, 201, 202):
            raise TeamsRefused(response.status_code)
        try:
            found = response.json().get("id")
        except (ValueError, AttributeError):
            found = None
        return str(found) if isinstance(found, str) and found else (activity_id or "")


def _retry_after(value: str | None) -> float:
    try:
        return max(1.0, float(value)) if value else 1.0
    except ValueError:
        return 1.0


def approval_card(request: CancelRequest, record: ApprovalRecord) -> tuple[cards.Card, str]:
    """The approval request's card as the record stands (and its plain-text summary): Slack's message, in Teams'
    words, with people named (the requester and each approver by their Entra object ID; a withdrawal by its
    requester, who is the only one who can withdraw)."""
    requester = request.requester
    shown = record
    if record.closed_by and record.closed_by == requester.user_id:
        shown = replace(record, closed_by=requester.display)
    message = render_approval(request, shown)
    names = {**_names(requester), **{a.user_id: a.display for a in record.approvals if a.user_id}}
    return cards.to_card(cards.teams_words(message), names=names, buttons=APPROVAL_BUTTONS), message.text


def card_activity(card: cards.Card, text: str, reply_to: str | None = None) -> dict[str, Any]:
    activity: dict[str, Any] = {"type": "message", "summary": text[:200], "attachments": [cards.attachment(card)]}
    if reply_to:
        activity["replyToId"] = reply_to
    return activity


def text_activity(text: str, reply_to: str) -> dict[str, Any]:
    return {"type": "message", "textFormat": "markdown", "text": text, "replyToId": reply_to}


def _connector(channel: str) -> Connector | None:
    address = Address.parse(channel)
    if address is None:
        log.warning("not a Teams conversation address: nothing sent")
        return None
    return Connector(address)


class TeamsChat:
    """Microsoft Teams as the chat a request answers to."""

    def announce(self, request: CancelRequest, outcome: CancelOutcome, at: datetime) -> ReportResult:
        place = request.slack
        connector = _connector(place.channel_id) if place is not None else None
        if place is None or connector is None:
            return ReportResult()
        report = progress.render_cancel_report(
            target=request.target, requester=request.requester, outcome=outcome, at=at
        )
        card = _card(report, _names(request.requester))
        try:
            activity_id = connector.send(card_activity(card, report.text))
        except TeamsRefused as exc:
            if exc.retry_after_s is not None:
                raise TeamsTransientError("the Bot Connector asked to wait") from None
            log.warning("the Bot Connector refused the cancel report: %s", exc.code)
            return ReportResult(None, None, exc.code)
        return ReportResult(activity_id, "channel", pointer_pending=bool(place.response_url))

    def point(self, place: SlackTarget) -> bool:
        """Replace the confirmation card (for everyone: its Confirm and refresh gone) with a pointer below."""
        connector = _connector(place.channel_id)
        if connector is None or not place.response_url:
            return False
        card = {"type": "AdaptiveCard", "version": cards.CARD_VERSION, "body": [cards.text_block(POINTER)]}
        try:
            connector.send(card_activity(card, POINTER), place.response_url)
        except (TeamsRefused, TeamsTransientError) as exc:
            log.warning("the confirmation card was not pointed at the report: %s", exc)
            return False
        return True

    def render_progress(self, view: ProgressView) -> Rendering:
        rendered = progress.render_progress(view)
        card = _card(rendered, _names(view.requester, view.stopped_by))
        return Rendering(rendered.text, (card,))

    def thread_reply(self, view: ProgressView, previous_status: str | None) -> str:
        said = cards.teams_words(Message(progress.thread_reply(view, previous_status), ())).text
        return cards.markdown(said, _names(view.requester, view.stopped_by))

    def update(self, update: ChatUpdate) -> ChatResult:
        """PUT the card in place (posting it anew when it is gone), then the reply under it, if any."""
        connector = _connector(update.channel)
        if connector is None:
            return ChatResult(False, error="invalid_address")
        card = dict(update.blocks[0]) if update.blocks else cards.to_card(Message(update.text, ()))
        try:
            activity_id = self._write_card(connector, update, card)
        except TeamsRefused as exc:
            return ChatResult(False, retry_after_s=exc.retry_after_s, error=exc.code)
        if not update.thread_text:
            return ChatResult(True, activity_id)
        if activity_id != update.ts:
            return ChatResult(True, activity_id, thread_pending=True)
        try:
            connector.send(text_activity(update.thread_text, activity_id))
        except TeamsRefused as exc:
            if exc.retry_after_s is not None:
                return ChatResult(False, activity_id, exc.retry_after_s, exc.code)
            return ChatResult(True, activity_id, error=exc.code)  # the card is current; the watch goes on
        return ChatResult(True, activity_id)

    @staticmethod
    def _write_card(connector: Connector, update: ChatUpdate, card: cards.Card) -> str:
        if update.ts:
            try:
                return connector.send(card_activity(card, update.text), update.ts)
            except TeamsRefused as exc:
                if exc.status != 404:
                    raise
                log.warning("progress card %s is gone; posting a new one", update.ts)
        return connector.send(card_activity(card, update.text))

    def ask_approval(self, request: CancelRequest, approval: ApprovalRecord) -> ReportResult:
        """POST the approval request's card to the request's conversation (one post); its activity ID is what
        `show_approval` PUTs over. Transient failures (and a 429) are raised for the activity retry; a refusal for
        good is the result (nobody can approve: the request expires, nothing is sent)."""
        place = request.slack
        connector = _connector(place.channel_id) if place is not None else None
        if connector is None:
            return ReportResult(slack_error="no_channel")
        card, text = approval_card(request, approval)
        try:
            activity_id = connector.send(card_activity(card, text))
        except TeamsRefused as exc:
            if exc.retry_after_s is not None:
                raise TeamsTransientError("the Bot Connector asked to wait") from None
            log.warning("the Bot Connector refused the approval request: %s", exc.code)
            return ReportResult(slack_error=exc.code)
        return ReportResult(activity_id, "channel")

    def show_approval(self, request: CancelRequest, approval: ApprovalRecord, message_ts: str) -> ChatResult:
        """PUT the card as the record stands over the one `ask_approval` posted (an idempotent replace)."""
        place = request.slack
        connector = _connector(place.channel_id) if place is not None else None
        if connector is None:
            return ChatResult(False, error="no_channel")
        card, text = approval_card(request, approval)
        try:
            connector.send(card_activity(card, text), message_ts)
        except TeamsRefused as exc:
            log.warning("the Bot Connector refused the approval request's update: %s", exc.code)
            return ChatResult(False, retry_after_s=exc.retry_after_s, error=exc.code)
        return ChatResult(True, message_ts)


CHAT = TeamsChat()
