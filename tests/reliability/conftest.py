"""Fixtures of the reliability suite: the whole product on loopback, told to misbehave.

`rig` is the in-process stack: the dev host serving the real `function_app` (real HTTP triggers, real cancel and
watch orchestrations on the durable engine), the CPP emulator, the Slack stand-in and a "foreign" loopback server
that records every request it receives (the token must never reach it). One stack serves the package - starting a
dev host costs about half a second - and every test gets it reset: no faults, no recorded requests, fresh emulator
state with operation IDs of its own, and a Slack channel of its own, so a straggling activity of an earlier test
can never be mistaken for this test's output.

The restart tests start the dev host as a subprocess instead (see test_restarts.py); they share the helpers here.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from cppcancel.contracts import CANCEL_ORCHESTRATOR, WATCH_ORCHESTRATOR
from cppcancel.settings import reset_settings_cache
from devhost.durable.store import InstanceRecord
from devhost.emulators import RECORD_STORE_FILE
from devhost.host import DevHost, DevHostOptions
from devhost.standins.azurite import Azurite
from devhost.standins.cpp import EmulatorServer
from devhost.standins.ingestion import IngestionStandIn
from devhost.standins.slack import SlackMessage, SlackStandIn
from devhost.standins.submission import SubmissionStandIn
from record_store.tables import TableRecordStore
from tests.backends.cpp.conftest import RecordingServer
from tests.cancel_function.conftest import SlackDriver
from tests.conftest import BOB, BOT_TOKEN, app_settings
from tests.devhost.conftest import Response, fetch, restored_environ
from tests.reliability.store_faults import FaultyTables
from tests.slack_app.helpers import Reply

PIPELINE_KEY = "whsec_" + "cmVsaWFiaWxpdHktcGlwZWxpbmUta2V5LTEy"
# Permitted through the S0RELEASE user group of the test policy (ALICE is permitted by name).
RELEASE_CREW = tuple(f"U0CREW{n:02d}" for n in range(1, 10))
OPERATION_PATH = "/api/publishers/contoso/offers/contoso-vm-offer/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8"
FINISHED = ("Completed", "Failed", "Terminated", "Canceled")
_seeds = itertools.count(1000)


class HttpTransport:
    """What `SlackDriver` needs of a host: POST a signed body to a function route over real HTTP."""

    def __init__(self, function_url: Callable[[str], str]) -> None:
        self._function_url = function_url

    def post(self, route: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        answer = fetch("POST", self._function_url(route), body, dict(headers), timeout=30)
        return Reply(answer.status, dict(answer.headers), answer.body)


def sign_webhook(body: bytes, *, key: str = PIPELINE_KEY, msg_id: str | None = None) -> dict[str, str]:
    """Standard Webhooks headers for `body`, as a pipeline sends them."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = datetime.now(UTC)
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(key).sign(msg_id, at, body.decode("utf-8", errors="replace")),
    }


def mentions(message: SlackMessage, text: str) -> bool:
    return text.lower() in ((message.text or "") + json.dumps(message.blocks)).lower()


def assert_taken_but_not_followed(rig: Rig, code: str, says: str) -> SlackMessage:
    """Send the pipeline's cancel; the CPP took it, but there is no operation this app may follow: the webhook says
    "accepted" with warning `code` (its message containing `says`), and the channel is told. Returns that report."""
    answer = rig.webhook(rig.webhook_body())
    assert answer.status == 202, answer.body
    body = answer.json()
    assert (body["status"], body["instanceId"], body["warning"]["code"]) == ("accepted", None, code)
    assert says in body["warning"]["message"]
    rig.wait_for_channel(lambda ms: bool(ms))
    [report] = rig.announcements()
    assert (report.text or "").startswith("⚠️ Cancel of contoso/contoso-vm-offer accepted but not followed here")
    return report


@dataclass
class Rig:
    """The in-process stack, as one test sees it."""

    host: DevHost
    emulator: EmulatorServer
    standin: SlackStandIn
    foreign: RecordingServer
    channel: str

    # -- entry points ----------------------------------------------------------------------------------------------
    @property
    def slack(self) -> SlackDriver:
        return SlackDriver(HttpTransport(self.host.function_url), self.standin)  # type: ignore[arg-type]

    def webhook_body(self, offer: str = "contoso-vm-offer", **changes: Any) -> dict[str, Any]:
        return {
            "publisherId": "contoso",
            "offerId": offer,
            "requestedBy": "release-pipeline",
            "slackChannel": self.channel,
            **changes,
        }

    def webhook(self, body: Mapping[str, Any] | bytes, *, msg_id: str | None = None, **kw: Any) -> Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        headers = sign_webhook(data, msg_id=msg_id, **kw)
        return fetch("POST", self.host.function_url("webhooks/cancel"), data, headers, timeout=30)

    def register_job(self, job_id: str, *, msg_id: str | None = None, **changes: Any) -> Response:
        """A pipeline's `POST /api/webhooks/jobs` right after its `POST configure` (signed like the cancel)."""
        body = {k: v for k, v in self.webhook_body(**{"jobId": job_id, **changes}).items() if v is not None}
        data = json.dumps(body).encode("utf-8")
        return fetch(
            "POST", self.host.function_url("webhooks/jobs"), data, sign_webhook(data, msg_id=msg_id), timeout=30
        )

    def webhook_status(self, instance_id: str) -> dict[str, Any]:
        answer = fetch("GET", self.host.function_url(f"webhooks/operations/{instance_id}"), timeout=10)
        assert answer.status == 200, answer.body
        status: dict[str, Any] = answer.json()
        return status

    # -- what happened ---------------------------------------------------------------------------------------------
    def instances(self, name: str | None = None) -> list[InstanceRecord]:
        return [r for r in self.host.engine.query() if name is None or r.name == name]

    def finished(self, instance_id: str, timeout: float = 20) -> InstanceRecord:
        record = self.host.engine.wait_for_instance(instance_id, timeout)
        assert record is not None and record.runtime_status in FINISHED, (instance_id, record)
        return record

    def output(self, instance_id: str, timeout: float = 20) -> dict[str, Any]:
        output: dict[str, Any] = json.loads(self.finished(instance_id, timeout).output_json or "null")
        return output

    def watchers(self) -> list[InstanceRecord]:
        return self.instances(WATCH_ORCHESTRATOR)

    def cancels(self) -> list[InstanceRecord]:
        return self.instances(CANCEL_ORCHESTRATOR)

    def cancel_posts(self) -> int:
        return self.emulator.cancel_count()

    @property
    def jobs(self) -> IngestionStandIn:
        """The Product Ingestion stand-in the dev host embeds (no INGESTION_BASE_URL is configured)."""
        standin = self.host.emulation.ingestion
        assert isinstance(standin, IngestionStandIn), "the dev host embeds no Product Ingestion stand-in"
        return standin

    @property
    def submissions(self) -> SubmissionStandIn:
        """The Partner Center submission API stand-in the dev host embeds (no SUBMISSION_API_BASE_URL is set)."""
        standin = self.host.emulation.submission
        assert isinstance(standin, SubmissionStandIn), "the dev host embeds no submission API stand-in"
        return standin

    def channel_messages(self) -> list[SlackMessage]:
        return [m for m in self.standin.messages if m.channel == self.channel]

    def announcements(self) -> list[SlackMessage]:
        return [m for m in self.channel_messages() if m.method == "chat.postMessage" and not m.thread_ts]

    def thread_replies(self) -> list[SlackMessage]:
        return [m for m in self.channel_messages() if m.thread_ts]

    def last_edit(self) -> SlackMessage:
        edits = [m for m in self.channel_messages() if m.method == "chat.update"]
        assert edits, "the watcher never edited the channel message"
        return edits[-1]

    def wait_for_channel(self, predicate: Callable[[list[SlackMessage]], bool], timeout: float = 20) -> None:
        try:
            self.standin.wait_for(lambda ms: predicate([m for m in ms if m.channel == self.channel]), timeout)
        except TimeoutError as exc:
            pytest.fail(str(exc))


@pytest.fixture(scope="package")
def foreign_server() -> Iterator[RecordingServer]:
    server = RecordingServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="package")
def _stack(
    tmp_path_factory: pytest.TempPathFactory, foreign_server: RecordingServer, app_functions: dict[str, Any]
) -> Iterator[tuple[DevHost, EmulatorServer, SlackStandIn]]:
    # `app_functions` first: `get_functions()` works once per app object, and the suite's session fixture must be the
    # one that calls it (the dev host copes with an app indexed before it; the fixture does not).
    with (
        restored_environ(),
        EmulatorServer(step_seconds=0.2, beyond_docs=False) as emulator,  # only what Microsoft documents
        SlackStandIn(bot_token=BOT_TOKEN, usergroups={"S0RELEASE": [BOB, *RELEASE_CREW]}) as standin,
    ):
        os.environ.update(
            app_settings(
                emulator,
                standin,
                WEBHOOK_SECRET=f"release-pipeline={PIPELINE_KEY}",
                WEBHOOK_WAIT_S="10",
                # A joiner of a lock whose holder never answers (a ghost lock) waits this long for its operation:
                # well inside the webhook's own wait, so the webhook always sees the joined answer.
                CANCEL_JOIN_WAIT_S="2",
                CPP_MAX_RETRIES="1",
                CPP_READ_TIMEOUT_S="1",
                POLL_INITIAL_INTERVAL_S="0.1",
                POLL_MAX_INTERVAL_S="0.3",
            )
        )
        for name in ("AUDIT_CHANNEL_ID", "WATCH_TIMEOUT_S", "WATCH_POLLS_PER_GENERATION"):
            os.environ.pop(name, None)
        data_dir: Path = tmp_path_factory.mktemp("reliability") / "data"
        host = DevHost(DevHostOptions(app="function_app:app", port=0, data_dir=data_dir, use_local_settings=False))
        host.start()
        try:
            yield host, emulator, standin
        finally:
            host.stop()


def _forget_the_cancel_record(host: DevHost) -> None:
    path = host.data_dir / RECORD_STORE_FILE
    if path.exists():
        with contextlib.closing(sqlite3.connect(path)) as db, db:
            db.execute("DELETE FROM records")


@pytest.fixture
def rig(_stack: tuple[DevHost, EmulatorServer, SlackStandIn], foreign_server: RecordingServer) -> Iterator[Rig]:
    host, emulator, standin = _stack
    for record in host.engine.query():  # earlier tests' instances (all finished or terminated by now)
        with contextlib.suppress(LookupError, RuntimeError):
            host.engine.purge(record.instance_id)
    _forget_the_cancel_record(host)  # an earlier test's watch, terminated, never released its offer's lock
    seed = next(_seeds)
    emulator.seed = seed  # operation IDs (and so watcher instance IDs) of this test's own
    emulator.reset()
    standin.reset()
    if host.emulation.ingestion is not None:
        host.emulation.ingestion.reset()
    if host.emulation.submission is not None:
        host.emulation.submission.reset()
    foreign_server.visits.clear()
    yield Rig(host, emulator, standin, foreign_server, channel=f"C0REL{seed}")
    live = [r.instance_id for r in host.engine.query(statuses=["Pending", "Running"])]
    for instance_id in live:
        with contextlib.suppress(LookupError, RuntimeError):  # it may have finished meanwhile
            host.engine.terminate(instance_id, "end of test")
    # An activity already under way (a terminated instance's last Slack post) must land before the next test resets
    # the stand-ins, or it would show up as that test's output.
    assert host.engine.wait_for(lambda engine: engine.activities_in_flight() == 0, 20), "an activity never ended"


@pytest.fixture(scope="package")
def _faulty_tables(azurite: Azurite) -> Iterator[FaultyTables]:
    with FaultyTables(azurite.port) as proxy:
        yield proxy


@dataclass
class FaultyStore:
    """The app's record on Azure Table Storage (Azurite behind `FaultyTables`), for one test: a table of its own."""

    proxy: FaultyTables
    direct: TableRecordStore  # the same table, read past the proxy (never refused)


@contextlib.contextmanager
def settings_changed(monkeypatch: pytest.MonkeyPatch, **values: str | None) -> Iterator[None]:
    """The app's settings with `values` (None: unset) inside the block: the dev host's functions read them anew."""
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    reset_settings_cache()
    try:
        yield
    finally:
        monkeypatch.undo()
        reset_settings_cache()


@pytest.fixture
def faulty_store(
    rig: Rig, _faulty_tables: FaultyTables, azurite: Azurite, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultyStore]:
    """Point the dev host's app at Azure Table Storage through the fault proxy (instead of its SQLite file)."""
    table = f"faulty{next(_seeds)}"
    direct = TableRecordStore.from_connection_string(azurite.connection_string, table)
    store_settings = {
        "RECORD_STORE_SQLITE": None,
        "AzureWebJobsStorage": _faulty_tables.connection_string,
        "RECORD_STORE_TABLE": table,
    }
    try:
        with settings_changed(monkeypatch, **store_settings):
            yield FaultyStore(_faulty_tables, direct)
    finally:
        _faulty_tables.heal()
        _faulty_tables.refused.clear()
        direct.close()
