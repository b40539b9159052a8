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
7. the pipeline registers a configure job; alice cancels it (`job=`) -> one POST, followed to `completed (cancelled)`
8. alice: `/cpp ops` of an Azure Application offer, then a bare `/cpp cancel` -> its in-progress submission, Confirm,
   one DELETE, followed until the submission is gone
9. the two-person rule: alice confirms the cancel of an Azure Application whose rule asks two approvals -> nothing is
   sent; her own Approve is refused; bob's Approve sends the one DELETE
10. Microsoft Teams: amy `@cpp cancel`s another publish from a channel, confirms on her own version of the card, and
   the watcher keeps one card current in place (`devhost.demo.teams`)

It exits 0 only if every step did what it should, and otherwise says which step failed and what was missing.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from devhost.demo import approvals, jobs, submissions, teams
from devhost.demo.render import Conversation
from devhost.demo.story import ALICE, CHANNEL, CHANNEL_NAME, MALLORY, PUBLISHER, StepFailed, Story
from devhost.host import DevHost, DevHostOptions

DEMO_POLICY = {
    "rules": [
        {"publishers": [PUBLISHER], "offers": ["*"], "users": [ALICE]},
        jobs.PIPELINE_RULE,
        teams.TEAMS_RULE,
        approvals.APPROVAL_RULE,
    ]
}
# Settings the demo owns: a developer's own environment must not send the demo to real services.
_CLEARED = (
    "CPP_BASE_URL",
    "CPP_ACCESS_TOKEN",
    "SLACK_API_BASE_URL",
    "SLACK_BOT_TOKEN",
    "AUDIT_CHANNEL_ID",
    "WEBHOOK_SECRET",
    "AZURE_CLIENT_ID",
    *jobs.CLEARED,
    *submissions.CLEARED,
    *teams.CLEARED,
)


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
    talk = Conversation(
        people={ALICE: "alice", MALLORY: "mallory", approvals.BOB: "bob"}, channels={CHANNEL: CHANNEL_NAME}
    )
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
        talk.say(f"          {approvals.APPROVAL_OFFER} needs two approvals: alice and bob ({approvals.BOB})")
        talk.say(f"          in Teams, amy (Entra object ID {teams.AMY.aad_object_id}) may too")
        talk.say()
        talk.say(f"#{CHANNEL_NAME} " + "─" * 60)
        story = Story(host, talk, deadline=began + timeout)
        story.run()
        jobs.job_cancel(story)
        submissions.submission_cancel(story)
        approvals.two_person_cancel(story)
        teams.teams_cancel(story)
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
    overrides = (
        {
            "SLACK_SIGNING_SECRET": "demo-" + secrets.token_hex(16),
            "CANCEL_POLICY": json.dumps(DEMO_POLICY),
            "POLL_INITIAL_INTERVAL_S": "0.5",
            "POLL_MAX_INTERVAL_S": "2",
            "INGESTION_MIN_POLL_INTERVAL_S": "1",  # a minute per job in earnest; the demo's job runs for seconds
            "WATCH_TIMEOUT_S": "300",
        }
        | jobs.settings()
        | submissions.settings()
    )
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
