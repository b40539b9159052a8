"""An answer that did not fit in the ack: what the durable follow-up is asked to deliver, and the ack that says so
(pure: no I/O).

When the API reads behind `/cpp ops`, `/cpp status` or the `/cpp cancel` confirmation - of any target, through its
backend - cannot finish before the ack's deadline (`slack_app.deadline`), the command acks at once with
`looking_up_message` and starts the orchestration `answer_slack_later` (registered by `cancel_function.slack_later`)
with a `LaterRequest`; its one activity reads the offer without Slack's 3-second limit and posts the answer through the
command's response_url (`slack_app.later_answer`). Durable, so the work survives the function returning (no thread is
left behind) and a host restart (the activity runs again: at-least-once).

Slack's response_url rules: at most 5 posts within 30 minutes of the command, and a *slash command's* response_url
cannot replace the ephemeral ack (slackapi/bolt-js#2287, slackapi/bolt-python#1268): the answer arrives as a second
ephemeral message, so the ack is worded to read well above it ("Looking up…, the answer follows in a moment") and
promises nothing about being replaced. The follow-up makes one post, and none once `RESPONSE_URL_TTL_S` (less a margin)
has passed since Slack sent the command. A re-run after a crash may post the answer again (a third message): harmless,
because a confirmation's ticket (its request ID, the future cancel's instance ID) is made at the ack and carried here,
so every copy carries the same Confirm button, and Confirm starts one cancel per ticket.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from cppcancel.targets import Target, Targeted, target_from_json, target_json
from slack_app.actions import CancelTicket
from slack_app.blockkit import Message, context, message, section
from slack_app.mrkdwn import code, target
from slack_app.payload import Caller

ANSWER_LATER_ORCHESTRATOR = "answer_slack_later"  # histories hold these names: never rename them
ANSWER_LATER_ACTIVITY = "answer_slack_command"
RESPONSE_URL_TTL_S = 30 * 60.0  # Slack: a response_url takes up to 5 posts within 30 minutes
RESPONSE_URL_MARGIN_S = 60.0  # do not start a post that could land after that

Kind = Literal["ops", "status", "cancel"]
KINDS: tuple[Kind, ...] = ("ops", "status", "cancel")


def instance_id(ref: str) -> str:
    """One follow-up per command: the attempt's ref (a fresh uuid hex) names it."""
    return f"slack-later-{ref}"


def response_url_usable(sent_at: float, now: float) -> bool:
    """Whether a post to the command's response_url can still land within Slack's 30 minutes."""
    return now - sent_at < RESPONSE_URL_TTL_S - RESPONSE_URL_MARGIN_S


@dataclass(frozen=True)
class LaterRequest(Targeted):
    """What the follow-up needs: the question, who asked where (for the audit record), and where to answer."""

    kind: Kind
    command: str  # the slash command as the workspace named it, for usage lines
    target: Target  # what is asked about (for `ops`: the offer's own target)
    caller: Caller
    ref: str  # the attempt's ref: the audit records of the ack and of the answer share it
    response_url: str
    sent_at: float  # when Slack sent the command (epoch seconds): the response_url's 30 minutes count from it
    ticket: CancelTicket | None = None  # for "cancel": the confirmation, made at the ack

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "command": self.command,
            **target_json(self.target),
            "caller": dataclasses.asdict(self.caller),
            "ref": self.ref,
            "responseUrl": self.response_url,
            "sentAt": self.sent_at,
            "ticket": self.ticket.to_value() if self.ticket is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LaterRequest:
        """Strict: the input was written by this app, so anything odd is a bug (ValueError), not a guess."""
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"unknown follow-up kind {kind!r}")
        caller_data = data.get("caller")
        if not isinstance(caller_data, Mapping):
            raise ValueError("the follow-up names no caller")
        names = {f.name for f in dataclasses.fields(Caller)}
        try:
            caller = Caller(**{k: v for k, v in caller_data.items() if k in names})
        except TypeError:
            raise ValueError("the follow-up's caller is incomplete") from None
        ticket_value = data.get("ticket")
        ticket = CancelTicket.from_value(ticket_value) if ticket_value is not None else None
        if kind == "cancel" and ticket is None:
            raise ValueError("a confirmation follow-up carries no ticket")
        return cls(
            kind=cast(Kind, kind),
            command=str(data["command"]),
            target=target_from_json(data),
            caller=caller,
            ref=str(data["ref"]),
            response_url=str(data["responseUrl"]),
            sent_at=float(data["sentAt"]),
            ticket=ticket,
        )


def looking_up_message(publisher_id: str, offer_id: str, ref: str, service: str = "the Partner Portal") -> Message:
    """The ack when the answer comes later. It stays: Slack cannot replace a slash command's ack, so the answer is
    the next message, and this one says so. `service` is the API being read (the target's own: a configure job's
    slow read is the Product Ingestion API's, not the Partner Portal's)."""
    where = target(publisher_id, offer_id)
    who = service[:1].upper() + service[1:]
    return message(
        f"Looking up {publisher_id}/{offer_id}… the answer follows in a moment.",
        [
            section(f":hourglass_flowing_sand: Looking up {where}… the answer follows in a moment."),
            context(f"{who} is taking its time; the answer comes as the next message · ref {code(ref)}"),
        ],
    )
