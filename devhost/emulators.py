"""Stand in for the outside services that are not configured: the CPP emulator, the Product Ingestion stand-in,
the Partner Center submission API stand-in, the Slack Web API stand-in and Teams' Bot Connector stand-in.

Decided per service from the settings the app will read: no CPP_BASE_URL means the in-process CPP emulator, no
INGESTION_BASE_URL the Product Ingestion stand-in (configure jobs), no SUBMISSION_API_BASE_URL the submission API
stand-in (Azure Application submissions; SUBMISSION_API_PUBLISHERS is left as configured: none unless listed), no
SLACK_API_BASE_URL the Slack stand-in, no TEAMS_OPENID_METADATA_URL the Bot Connector stand-in (its metadata and
keys, its conversation API; with a local bot app ID when TEAMS_APP_ID is unset). Their addresses (and the emulators'
tokens, a dummy bot token, a session signing secret) are written into the environment before the app is imported, so
the app cannot tell the difference. Configured services are left alone - the same dev host then talks to the real
ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devhost.functions.settings import is_set, session_signing_secret

if TYPE_CHECKING:  # the stand-ins are imported only when one is started (a configured service needs none)
    from devhost.standins.cpp import EmulatorServer
    from devhost.standins.ingestion import IngestionStandIn
    from devhost.standins.slack import SlackStandIn
    from devhost.standins.submission import SubmissionStandIn
    from devhost.standins.teams import BotConnectorStandIn

log = logging.getLogger("devhost.emulators")

EMULATOR_TOKEN = "local-emulator-token"  # noqa: S105 - the emulator's well-known local token
STANDIN_BOT_TOKEN = "xoxb-local-standin"  # noqa: S105 - a dummy only the stand-in accepts
# The Teams bot's app ID when none is configured: only the local Bot Connector stand-in signs tokens for it.
LOCAL_TEAMS_APP_ID = "00000000-0000-4000-8000-00000000b07d"
RECORD_STORE_FILE = "records.sqlite3"
# Any of these configured means the app's own storage is used for the cancel record (Azure Tables, or Azurite).
RECORD_STORE_SETTINGS = (
    "RECORD_STORE_SQLITE",
    "AzureWebJobsStorage",
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__tableServiceUri",
)


@dataclass
class Emulation:
    cpp: EmulatorServer | None = None
    cpp_error: str | None = None
    slack: SlackStandIn | None = None
    signing_secret_generated: bool = False
    bot_token_dummy: bool = False
    record_store: str | None = None  # the SQLite file the dev host chose for the cancel record
    ingestion: IngestionStandIn | None = None  # the Product Ingestion stand-in (configure jobs)
    submission: SubmissionStandIn | None = None  # the Partner Center submission API stand-in (Azure Applications)
    teams: BotConnectorStandIn | None = None  # Teams' Bot Connector stand-in
    teams_app_id_local: bool = False  # TEAMS_APP_ID was unset: the local one is used

    def stop(self) -> None:
        for service in (self.slack, self.cpp, self.ingestion, self.submission, self.teams):
            if service is not None:
                try:
                    service.stop()
                except Exception:
                    log.warning("stopping %s failed", type(service).__name__, exc_info=True)


def start_emulators(
    environ: MutableMapping[str, str],
    *,
    data_dir: Path,
    step_seconds: float = 2.0,
    on_slack_message: Callable[[Any], None] | None = None,
) -> Emulation:
    emulation = Emulation()
    if not is_set(environ, "CPP_BASE_URL"):
        try:
            from devhost.standins.cpp import EmulatorServer

            emulator = EmulatorServer(host="127.0.0.1", port=0, token=EMULATOR_TOKEN, step_seconds=step_seconds)
            emulator.start()
        except Exception as exc:  # the emulator is another package; say what is missing instead of dying
            emulation.cpp_error = f"{type(exc).__name__}: {exc}"
            log.warning("CPP emulator unavailable (%s); CPP calls will fail", emulation.cpp_error)
        else:
            emulation.cpp = emulator
            environ["CPP_BASE_URL"] = str(emulator.base_url).rstrip("/")
            environ["CPP_ACCESS_TOKEN"] = str(getattr(emulator, "token", EMULATOR_TOKEN))
    if not is_set(environ, "INGESTION_BASE_URL"):
        from devhost.standins.ingestion import IngestionStandIn

        ingestion = IngestionStandIn(port=0).start()
        emulation.ingestion = ingestion
        environ["INGESTION_BASE_URL"] = ingestion.base_url
        environ["INGESTION_ACCESS_TOKEN"] = ingestion.token
    if not is_set(environ, "SUBMISSION_API_BASE_URL"):
        from devhost.standins.submission import SubmissionStandIn

        submission = SubmissionStandIn(port=0).start()
        emulation.submission = submission
        environ["SUBMISSION_API_BASE_URL"] = submission.base_url
        environ["SUBMISSION_API_ACCESS_TOKEN"] = submission.token
    if not is_set(environ, "SLACK_API_BASE_URL"):
        from devhost.standins.slack import SlackStandIn

        if not is_set(environ, "SLACK_BOT_TOKEN"):
            environ["SLACK_BOT_TOKEN"] = STANDIN_BOT_TOKEN
            emulation.bot_token_dummy = True
        standin = SlackStandIn(port=0, bot_token=environ["SLACK_BOT_TOKEN"], on_message=on_slack_message)
        standin.start()
        emulation.slack = standin
        environ["SLACK_API_BASE_URL"] = standin.base_url
    if not is_set(environ, "TEAMS_OPENID_METADATA_URL"):
        _start_teams(environ, emulation)
    if not is_set(environ, "SLACK_SIGNING_SECRET"):
        environ["SLACK_SIGNING_SECRET"] = session_signing_secret(data_dir)
        emulation.signing_secret_generated = True
    if not any(is_set(environ, name) for name in RECORD_STORE_SETTINGS):
        # No storage configured: the embedded record store, beside the durable histories (a restart keeps both).
        environ["RECORD_STORE_SQLITE"] = str(data_dir / RECORD_STORE_FILE)
        emulation.record_store = environ["RECORD_STORE_SQLITE"]
    return emulation


def _start_teams(environ: MutableMapping[str, str], emulation: Emulation) -> None:
    """The Bot Connector stand-in: the app validates activity tokens against its keys and sends to it with its token
    (always its own: a configured TEAMS_ACCESS_TOKEN must not reach a local stand-in). Its keys are made, and
    cryptography imported, only when a Teams activity first needs them."""
    from devhost.standins.teams import BotConnectorStandIn

    connector = BotConnectorStandIn(port=0).start()
    emulation.teams = connector
    environ["TEAMS_OPENID_METADATA_URL"] = connector.metadata_url
    environ["TEAMS_ACCESS_TOKEN"] = str(connector.token)
    if not is_set(environ, "TEAMS_APP_ID"):
        environ["TEAMS_APP_ID"] = LOCAL_TEAMS_APP_ID
        emulation.teams_app_id_local = True
