"""`python -m devhost demo`: the whole product on a fresh machine, with no credentials, in under a minute.

Starts the dev host in-process on a free port with a fresh data dir, the CPP emulator and the Slack stand-in, a demo
policy (U0ALICE may cancel contoso's offers, U0MALLORY may not) and short poll intervals; then plays the story
through real, signed HTTP, exactly as Slack would send it:

1. alice: `/cpp ops contoso contoso-vm-offer`               -> the operations in flight
2. mallory: `/cpp cancel contoso contoso-vm-offer`          -> refused, and nothing reaches the Partner Portal
3. alice: `/cpp cancel contoso contoso-vm-offer notify=...` -> a confirmation with a Confirm button
4. alice clicks Confirm                                       -> the cancel orchestration posts to the channel
5. the watcher updates the channel until the cancel completed
6. alice: `/cpp history contoso contoso-vm-offer`             -> the cancel just made, from the app's own record
7. alice cancels a Product Ingestion configure job (`job=`)  -> one POST, followed to `completed (cancelled)`

It exits 0 only if every step did what it should, and otherwise says which step failed and what was missing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost import demo_jobs
from devhost.demo_render import Conversation, message_lines
from devhost.durable_store import InstanceRecord
from devhost.host import DevHost, DevHostOptions
from devhost.slack_client import COMMANDS_ROUTE, INTERACTIONS_ROUTE, SlackClient, SlackReply

ALICE, MALLORY = "U0ALICE", "U0MALLORY"
CHANNEL, CHANNEL_NAME = "C0RELEASES", "releases"
PUBLISHER, OFFER = "contoso", "contoso-vm-offer"
NOTIFY = "release@contoso.com"
CANCEL_ORCHESTRATOR, WATCH_ORCHESTRATOR = "cancel_orchestrator", "watch_operation"
CONFIRM_ACTION = "confirm_cancel"
DEMO_POLICY = {"rules": [{"publishers": [PUBLISHER], "offers": ["*"], "users": [ALICE]}]}
STEP_WAIT_S = 15.0
_COMPLETED = re.compile(r"\b(complete[d]?|cancel(?:l)?ed)\b", re.IGNORECASE)
_FAILED = re.compile(r"\bfail(?:ed|ure)\b", re.IGNORECASE)

# Settings the demo owns: a developer's own environment must not send the demo to real services.
_CLEARED = (
    "CPP_BASE_URL",
    "CPP_ACCESS_TOKEN",
    "SLACK_API_BASE_URL",
    "SLACK_BOT_TOKEN",
    "AUDIT_CHANNEL_ID",
    "WEBHOOK_SECRET",
    "AZURE_CLIENT_ID",
    *demo_jobs.CLEARED,
)


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
        self.preflight()
        self.ops()
        self.refused()
        reply = self.ask_to_cancel()
        self.confirm(reply)
        self.follow()
        self.verify()
        self.history()
        demo_jobs.job_cancel(self)

    # ---- steps ----------------------------------------------------------------------------------------------
    def preflight(self) -> None:
        emulation = self.host.emulation
        if emulation.cpp is None:
            raise StepFailed(
                "the CPP emulator did not start - the demo needs partner_portal.emulator.EmulatorServer "
                f"({emulation.cpp_error or 'unknown reason'})"
            )
        if emulation.slack is None:
            raise StepFailed("the Slack stand-in did not start (devhost.slack_standin.SlackStandIn)")
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
        reply = self.slack.command(line, user=user, channel=CHANNEL, response_url=self.response_url(user.lower()))
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

    def response_url(self, key: str) -> str:
        standin = self.host.emulation.slack
        assert standin is not None
        return str(standin.response_url(f"{key}-{secrets.token_hex(3)}"))

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


def _log_to(data_dir: Path, console_level: str) -> Path:
    """Everything to a log file in the data dir; only `console_level` and up to the terminal, so the conversation
    stays readable. The file is shown (tail) when a step fails."""
    path = data_dir / "devhost.log"
    formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(formatter)
    to_file.setLevel(logging.INFO)
    to_console = logging.StreamHandler()
    to_console.setFormatter(formatter)
    to_console.setLevel(getattr(logging, console_level.upper(), logging.ERROR))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(to_file)
    root.addHandler(to_console)
    return path


def _tail(path: Path, lines: int = 25) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def run_demo(*, app: str, keep_data: bool, log_level: str, timeout: float) -> int:
    began = time.monotonic()
    talk = Conversation(people={ALICE: "alice", MALLORY: "mallory"}, channels={CHANNEL: CHANNEL_NAME})
    data_dir = Path(tempfile.mkdtemp(prefix="cppcancel-demo-"))
    log_file = _log_to(data_dir, log_level)
    host = _demo_host(app, data_dir, talk)
    talk.say("cppcancel demo - the whole story on local emulators (no credentials; nothing leaves this machine)")
    story: Story | None = None
    try:
        try:
            host.start()
        except Exception as exc:
            raise StepFailed(f"the dev host could not start: {type(exc).__name__}: {exc}") from exc
        talk.say(f"  dev host {host.origin} · CPP emulator · Slack stand-in · data {data_dir}")
        talk.say(f"  policy: alice ({ALICE}) may cancel {PUBLISHER}'s offers; mallory ({MALLORY}) may not")
        talk.say()
        talk.say(f"#{CHANNEL_NAME} " + "─" * 60)
        story = Story(host, talk, deadline=began + timeout)
        story.run()
    except StepFailed as failure:
        _report_failure(talk, story.passed if story else [], failure, log_file, began)
        keep_data = True
        return 1
    except KeyboardInterrupt:
        talk.stop_progress()
        talk.say("Demo interrupted.")
        return 130
    finally:
        host.stop()
        if keep_data:
            talk.say(f"(data and log kept in {data_dir})")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    _summary(talk, story.passed)
    talk.say()
    talk.say(f"Demo succeeded in {time.monotonic() - began:.1f} s.")
    return 0


def _demo_host(app: str, data_dir: Path, talk: Conversation) -> DevHost:
    """The dev host the demo plays against, not started yet: emulators only, whatever this shell has configured
    (the settings the demo owns are cleared first), short poll intervals so the story takes seconds."""
    for name in _CLEARED:
        os.environ.pop(name, None)
    overrides = {
        "SLACK_SIGNING_SECRET": "demo-" + secrets.token_hex(16),
        "CANCEL_POLICY": json.dumps(DEMO_POLICY),
        "POLL_INITIAL_INTERVAL_S": "0.5",
        "POLL_MAX_INTERVAL_S": "2",
        "INGESTION_MIN_POLL_INTERVAL_S": "1",  # a minute per job in earnest; the demo's job runs for seconds
        "WATCH_TIMEOUT_S": "300",
    }
    return DevHost(
        DevHostOptions(
            app=app,
            port=0,
            data_dir=data_dir,
            use_local_settings=False,
            environ_overrides=overrides,
            emulator_step_seconds=1.5,
            on_slack_message=talk.app_message,
        )
    )


def _report_failure(talk: Conversation, passed: list[str], failure: StepFailed, log_file: Path, began: float) -> None:
    """What passed, the step that failed, and the end of the dev host's log: enough to start fixing it."""
    talk.stop_progress()
    _summary(talk, passed)
    talk.say(f"  ✗ {failure}")
    talk.say()
    talk.say(f"Last lines of the dev host log ({log_file}):")
    for line in _tail(log_file):
        talk.say(f"    {line}")
    talk.say()
    talk.say(f"Demo FAILED after {time.monotonic() - began:.1f} s.")


def _summary(talk: Conversation, passed: list[str]) -> None:
    talk.say()
    talk.say("What happened:")
    for line in passed:
        talk.say(f"  ✓ {line}")
