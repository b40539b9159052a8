"""Fixtures shared by the whole suite: the registered functions, the outside-edge stand-ins, the app's settings."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from cppcancel.contracts import Requester
from cppcancel.settings import reset_settings_cache
from devhost.standins.azurite import Azurite, missing_reason
from devhost.standins.slack import SlackStandIn
from record_store.base import RecordStore
from record_store.sqlite import SqliteRecordStore
from record_store.tables import TableRecordStore

# CI runs the same examples every time (derandomized), so a red run always reproduces and a newly found example
# cannot fail an unrelated change; locally, hypothesis explores (and its database replays what it found).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

SIGNING_SECRET = "test-signing-secret-not-a-real-one"
BOT_TOKEN = "xoxb-test-bot-token"
ALICE, BOB, MALLORY = "U0ALICE", "U0BOB", "U0MALLORY"
TEAM, CHANNEL = "T0LOCAL", "C0RELEASES"

# Both rules trust their people and callers to name the offer of a configure job nobody registered
# (`unregisteredJobs`), so the job tests can use a job by its ID alone; tests/reliability/test_job_ownership.py
# runs without that trust.
TEST_POLICY: dict[str, Any] = {
    "rules": [
        {
            "publishers": ["contoso"],
            "offers": ["*"],
            "users": [ALICE],
            "usergroups": ["S0RELEASE"],
            "unregisteredJobs": True,
        },
        {
            "publishers": ["contoso"],
            "offers": ["*"],
            "users": [],
            "callers": ["release-pipeline"],
            "unregisteredJobs": True,
        },
    ]
}


@pytest.fixture(scope="session")
def app_functions() -> dict[str, Any]:
    """function_app's registered functions by name.

    `get_functions()` is not idempotent, and an in-process dev host may have indexed the app first: the dev host's
    `registered_functions` copes with both orders.
    """
    import function_app
    from devhost.functions.host import registered_functions

    return {fn.get_function_name(): fn for fn in registered_functions(function_app.app)}


@pytest.fixture(scope="session")
def activity(app_functions: dict[str, Any]) -> Callable[[str], Callable[..., Any]]:
    """The registered activity functions by name, called as the worker would (keyword `payload`)."""

    def get(name: str) -> Callable[..., Any]:
        fn: Callable[..., Any] = app_functions[name].get_user_function()
        return fn

    return get


def alice() -> Requester:
    return Requester(display="alice", user_id=ALICE, team_id=TEAM)


@pytest.fixture
def slack_standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=BOT_TOKEN, usergroups={"S0RELEASE": [BOB]}) as standin:
        yield standin


@pytest.fixture
def cpp_emulator() -> Iterator[Any]:
    from devhost.standins.cpp import EmulatorServer

    emulator = EmulatorServer(step_seconds=0.3).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def app_settings(cpp_emulator: Any, slack_standin: SlackStandIn, **overrides: str) -> dict[str, str]:
    """The settings that point the function app at the loopback stand-ins, with fast polling; overrides win.

    Shared by the in-process fixtures and the tests that start the dev host as a subprocess.
    """
    return {
        "CPP_BASE_URL": cpp_emulator.base_url,
        "CPP_ACCESS_TOKEN": cpp_emulator.token,
        "SLACK_API_BASE_URL": slack_standin.base_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CANCEL_POLICY": json.dumps(TEST_POLICY),
        "POLL_INITIAL_INTERVAL_S": "0.2",
        "POLL_MAX_INTERVAL_S": "0.4",
        "INGESTION_MIN_POLL_INTERVAL_S": "0.2",  # a minute per job in earnest
        **overrides,
    }


@pytest.fixture
def app_env(
    monkeypatch: pytest.MonkeyPatch, cpp_emulator: Any, slack_standin: SlackStandIn, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """The environment the function app reads, pointed at the loopback stand-ins; settings re-read for each test.

    The cancel record is a SQLite file of the test's own (the in-process dev hosts choose theirs the same way)."""
    values = app_settings(
        cpp_emulator,
        slack_standin,
        POLL_MAX_INTERVAL_S="1",
        CPP_MAX_RETRIES="1",
        RECORD_STORE_SQLITE=str(tmp_path / "records.sqlite3"),
    )
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in ("AUDIT_CHANNEL_ID", "WEBHOOK_SECRET", "WATCH_TIMEOUT_S"):
        monkeypatch.delenv(key, raising=False)
    reset_settings_cache()
    yield values
    reset_settings_cache()


# -- the record store: every backend (SQLite, and Azure Tables on Azurite) ------------------------------------------

_tables = itertools.count(1)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    reason = missing_reason()
    if reason is not None:
        pytest.fail(reason, pytrace=False)  # never a skip: production runs on this backend
    server = Azurite(tmp_path_factory.mktemp("azurite"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "azure-tables"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordStore]:
    """A fresh, empty store of each backend (a table of its own on the session's Azurite)."""
    backend: RecordStore
    if request.param == "sqlite":
        backend = SqliteRecordStore(tmp_path / "records.sqlite3")
    else:
        server: Azurite = request.getfixturevalue("azurite")
        backend = TableRecordStore.from_connection_string(server.connection_string, f"contract{next(_tables)}")
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def azurite_forbidden(azurite: Azurite) -> str:
    """The session's Azurite with a wrong account key: every request is refused (403), as for a missing role."""
    return azurite.connection_string.replace("AccountKey=Eby8", "AccountKey=AAAA")
