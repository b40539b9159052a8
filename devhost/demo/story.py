"""The demo's story of a Cloud Partner Portal publish, step by step, and the helpers every act of the demo uses.

`Story` plays Slack's side over real, signed HTTP against a running dev host (`devhost.demo.run` starts one) and
checks each step: what alice and mallory see, the one cancel POST, the channel kept up to date by the watcher, and
`/cpp history`. A step that did not happen raises `StepFailed`, whose message says what was missing.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from devhost.demo.render import Conversation, message_lines
from devhost.durable.store import InstanceRecord
from devhost.host import DevHost
from devhost.standins.slack.client import COMMANDS_ROUTE, INTERACTIONS_ROUTE, SlackClient, SlackReply

ALICE, MALLORY = "U0ALICE", "U0MALLORY"
CHANNEL, CHANNEL_NAME = "C0RELEASES", "releases"
PUBLISHER, OFFER = "contoso", "contoso-vm-offer"
NOTIFY = "release@contoso.com"
CANCEL_ORCHESTRATOR, WATCH_ORCHESTRATOR = "cancel_orchestrator", "watch_operation"
CONFIRM_ACTION = "confirm_cancel"
STEP_WAIT_S = 15.0
_COMPLETED = re.compile(r"\b(complete[d]?|cancel(?:l)?ed)\b", re.IGNORECASE)
_FAILED = re.compile(r"\bfail(?:ed|ure)\b", re.IGNORECASE)


class StepFailed(Exception):
    """A step of the story did not happen; the message says what was missing, for the person fixing it."""


@dataclass
class Story:
    host: DevHost
    talk: Conversation
    deadline: float
    passed: list[str] = field(default_factory=list)
    confirmed_at: float = 0.0

    @property
    def slack(self) -> SlackClient:
        secret = os.environ["SLACK_SIGNING_SECRET"]
        return SlackClient(self.host.origin, secret, route_prefix=self.host.host_json.route_prefix)

    def run(self) -> None:
        """The CPP publish's story: ops, a refusal, a confirmed cancel followed to its end, the history."""
        self.preflight()
        self.ops()
        self.refused()
        reply = self.ask_to_cancel()
        self.confirm(reply)
        self.follow()
        self.verify()
        self.history()

    # ---- steps ----------------------------------------------------------------------------------------------
    def preflight(self) -> None:
        emulation = self.host.emulation
        if emulation.cpp is None:
            raise StepFailed(
                "the CPP emulator did not start - the demo needs devhost.standins.cpp.EmulatorServer "
                f"({emulation.cpp_error or 'unknown reason'})"
            )
        if emulation.slack is None:
            raise StepFailed("the Slack stand-in did not start (devhost.standins.slack.SlackStandIn)")
        for route in (COMMANDS_ROUTE, INTERACTIONS_ROUTE):
            if self.host.functions.match_http("POST", "/" + route) is None:
                raise StepFailed(
                    f"function_app registers no HTTP function for POST /api/{route} - the Slack front end "
                    "(cancel_function/) must register it with @bp.route(route=..., methods=['POST'])"
                )
        for name in (CANCEL_ORCHESTRATOR, WATCH_ORCHESTRATOR):
            if not self.host.functions.has_orchestrator(name):
                raise StepFailed(f"function_app registers no orchestrator named {name!r} (poll_function/)")

    def ops(self) -> None:
        reply = self.command(ALICE, f"/cpp ops {PUBLISHER} {OFFER}")
        if not (reply.text or reply.blocks):
            raise StepFailed("the reply to /cpp ops had neither text nor blocks")
        self.passed.append(f"alice saw the operations of {PUBLISHER}/{OFFER}")

    def refused(self) -> None:
        reply = self.command(MALLORY, f"/cpp cancel {PUBLISHER} {OFFER}")
        if reply.button(CONFIRM_ACTION) is not None:
            raise StepFailed(f"{MALLORY} is not in the demo policy but was offered a '{CONFIRM_ACTION}' button")
        posts = self.cancel_posts()
        if posts:
            raise StepFailed(f"mallory's refused command still sent {posts} cancel POST(s) to the Partner Portal")
        self.passed.append("mallory was refused, and no cancel reached the Partner Portal")

    def ask_to_cancel(self) -> SlackReply:
        reply = self.command(ALICE, f"/cpp cancel {PUBLISHER} {OFFER} notify={NOTIFY}")
        button = reply.button(CONFIRM_ACTION)
        if button is None:
            found = ", ".join(b.action_id for b in reply.buttons()) or "none"
            raise StepFailed(
                f"the /cpp cancel reply has no button with action_id '{CONFIRM_ACTION}' (buttons: {found}); "
                f"reply: {reply.readable()[:400]}"
            )
        if not button.value:
            raise StepFailed(f"the '{CONFIRM_ACTION}' button carries no value to send back")
        self.passed.append("alice got a confirmation with a Confirm button")
        return reply

    def confirm(self, reply: SlackReply) -> None:
        button = reply.button(CONFIRM_ACTION)
        assert button is not None
        self.talk.user_clicks(ALICE, button.text or "Confirm")
        self.confirmed_at = time.monotonic()
        answer = self.slack.click(
            button, user=ALICE, channel=CHANNEL, response_url=self.response_url("confirm"), reply=reply
        )
        self.expect_ok(answer, INTERACTIONS_ROUTE)
        if answer.text or answer.blocks:
            self.talk.app_reply(ALICE, answer.lines(), in_channel=answer.in_channel)
        cancel = self.wait_for_instance(CANCEL_ORCHESTRATOR, STEP_WAIT_S)
        if cancel is None:
            raise StepFailed(
                f"clicking Confirm started no '{CANCEL_ORCHESTRATOR}' orchestration within {STEP_WAIT_S:g} s - the "
                "interactions handler must start it with the durable client"
            )

    def follow(self) -> InstanceRecord:
        started = time.monotonic()

        def status() -> str:
            watcher = self.latest(WATCH_ORCHESTRATOR)
            cancel = self.latest(CANCEL_ORCHESTRATOR)
            updates = sum(1 for m in self.messages() if m.method == "chat.update")
            if watcher is not None:
                state = f"watcher {watcher.runtime_status}"
            else:
                state = f"cancel {cancel.runtime_status if cancel else 'starting'}"
            return f"watching the channel · {time.monotonic() - started:4.1f} s · {state} · {updates} edit(s)"

        self.talk.start_progress(status)
        try:
            return self.wait_for_watcher()
        finally:
            self.talk.stop_progress()

    def wait_for_watcher(self) -> InstanceRecord:
        cancel = self.wait_until(lambda: self.finished(CANCEL_ORCHESTRATOR), "the cancel orchestration to finish")
        if cancel.runtime_status != "Completed":
            raise StepFailed(f"the cancel orchestration ended {cancel.runtime_status}: {cancel.output_json}")
        give_up = time.monotonic() + STEP_WAIT_S
        while self.latest(WATCH_ORCHESTRATOR) is None:
            if time.monotonic() > give_up:
                raise StepFailed(
                    f"the cancel orchestration completed (output {cancel.output_json}) but no '{WATCH_ORCHESTRATOR}' "
                    f"watcher started within {STEP_WAIT_S:g} s"
                )
            time.sleep(0.1)
        watcher = self.wait_until(lambda: self.finished(WATCH_ORCHESTRATOR), "the watcher to finish")
        if watcher.runtime_status != "Completed":
            raise StepFailed(f"the watcher ended {watcher.runtime_status}: {watcher.output_json}")
        return watcher

    def verify(self) -> None:
        """What the channel shows now: the announcement as last edited, and the thread under it."""
        messages = [m for m in self.messages() if m.method != "response_url"]
        posted = [m for m in messages if m.method == "chat.postMessage" and not m.thread_ts]
        if not posted:
            raise StepFailed(f"nothing was posted to #{CHANNEL_NAME} (chat.postMessage) after Confirm")
        self.passed.append(f"the cancel was announced in #{CHANNEL_NAME}")
        posts = self.cancel_posts()
        if posts != 1:
            raise StepFailed(f"expected exactly one cancel POST at the Partner Portal, saw {posts}")
        self.passed.append("exactly one cancel reached the Partner Portal")
        announcement = posted[0]
        edits = [m for m in messages if m.method == "chat.update" and m.ts == announcement.ts]
        shown = edits[-1] if edits else announcement
        replies = [m for m in messages if m.thread_ts == announcement.ts]
        last = (replies or [shown])[-1]
        text = "\n".join(message_lines(last.text, last.blocks))
        if not _COMPLETED.search(text) or _FAILED.search(text):
            raise StepFailed(
                f"the watcher finished but its last word in #{CHANNEL_NAME} does not say the cancel completed: "
                f"{self.talk.plain(text)[:300]}"
            )
        self.talk.block(
            f"#{CHANNEL_NAME} now shows (after {len(edits)} edit(s), {len(replies)} thread reply(ies)):",
            message_lines(shown.text, shown.blocks),
            indent="  ",
        )
        headline = self.talk.plain(text.splitlines()[0])
        self.passed.append(f"the watcher kept #{CHANNEL_NAME} up to date ({len(edits)} edits); last word: {headline}")

    def history(self) -> None:
        """The proof afterwards: `/cpp history` shows the cancel just made, from the app's own record."""
        reply = self.command(ALICE, f"/cpp history {PUBLISHER} {OFFER}")
        attempts = [line for line in reply.lines() if " via Slack" in line]
        if not attempts or f"<@{ALICE}>" not in attempts[0] or "accepted" not in attempts[0]:
            raise StepFailed(f"/cpp history does not show alice's cancel first: {reply.readable()[:400]}")
        self.passed.append("/cpp history shows alice's cancel, from the app's own record")

    # ---- helpers --------------------------------------------------------------------------------------------
    def command(self, user: str, line: str) -> SlackReply:
        self.talk.user_types(user, line)
        reply = self.slack.command(
            line, user=user, channel=CHANNEL, response_url=self.response_url(user.lower(), command=True)
        )
        self.expect_ok(reply, COMMANDS_ROUTE)
        self.talk.app_reply(user, reply.lines(), in_channel=reply.in_channel)
        return reply

    def expect_ok(self, reply: SlackReply, route: str) -> None:
        if reply.status == 200:
            return
        hint = {
            401: "the app refused the signature (it must verify with SLACK_SIGNING_SECRET)",
            404: "no function serves this route",
            500: "the function raised - see the dev host log above",
            503: "the app says it is not configured",
        }.get(reply.status, "")
        body = reply.raw.decode("utf-8", errors="replace")[:300]
        raise StepFailed(f"POST /api/{route} answered HTTP {reply.status}{': ' + hint if hint else ''}. Body: {body}")

    def response_url(self, key: str, *, command: bool = False) -> str:
        """A fresh response_url: a slash command's (its ack cannot be replaced) or a click's."""
        standin = self.host.emulation.slack
        assert standin is not None
        unique = f"{key}-{secrets.token_hex(3)}"
        return str(standin.command_response_url(unique) if command else standin.response_url(unique))

    def messages(self) -> list[Any]:
        standin = self.host.emulation.slack
        return list(standin.messages) if standin is not None else []

    def cancel_posts(self) -> int:
        emulator = self.host.emulation.cpp
        return int(emulator.cancel_count(offer_id=OFFER, publisher_id=PUBLISHER)) if emulator is not None else 0

    def latest(self, name: str) -> InstanceRecord | None:
        found = [r for r in self.host.engine.query() if r.name == name]
        return max(found, key=lambda r: r.created_time) if found else None

    def finished(self, name: str) -> InstanceRecord | None:
        record = self.latest(name)
        return record if record is not None and record.is_terminal else None

    def wait_for_instance(self, name: str, timeout: float) -> InstanceRecord | None:
        give_up = min(self.deadline, time.monotonic() + timeout)
        while time.monotonic() < give_up:
            found = self.latest(name)
            if found is not None:
                return found
            time.sleep(0.05)
        return None

    def wait_until(self, probe: Any, what: str) -> InstanceRecord:
        while time.monotonic() < self.deadline:
            found = probe()
            if found is not None:
                return found  # type: ignore[no-any-return]
            time.sleep(0.1)
        watcher = self.latest(WATCH_ORCHESTRATOR) or self.latest(CANCEL_ORCHESTRATOR)
        state = (
            f"{watcher.name} is {watcher.runtime_status}, custom status {watcher.custom_status_json}" if watcher else ""
        )
        raise StepFailed(f"timed out waiting for {what}. {state}")
