"""The one settings object of the app: read once from the environment, validated with messages a person can act on.

Azure Functions (and Core Tools, and the dev host) put app settings / `local.settings.json` `Values` into the process
environment, so the environment is the only source read here. Secrets are kept out of `repr()` so that logging a
settings object can never leak them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cppcancel import envread as read
from cppcancel.submission_settings import SUBMISSION_API_SETTING_NAMES, SubmissionApiSettings, read_submission_api
from cppcancel.teams_settings import TEAMS_SETTING_NAMES, TeamsSettings, read_teams

DEFAULT_CPP_BASE_URL = "https://cloudpartner.azure.com"
DEFAULT_CPP_API_VERSION = "2017-10-31"
DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"

CPP_TOKEN_SCOPE = "https://cloudpartner.azure.com/.default"  # noqa: S105 - an audience, not a secret
DEFAULT_INGESTION_BASE_URL = "https://graph.microsoft.com/rp/product-ingestion"
DEFAULT_INGESTION_API_VERSION = "2022-03-01-preview2"
INGESTION_TOKEN_SCOPE = "https://graph.microsoft.com/.default"  # noqa: S105 - an audience, not a secret

# How the app gets its Azure AD tokens (backends/http/credentials.py). The default is an app registration that trusts
# the user-assigned managed identity through a federated credential: Partner Center admits Microsoft Entra
# applications, and no Microsoft source shows a managed identity added there directly. Then an app registration with a
# Key Vault certificate, and the managed identity itself (only if a team's Partner Center lists it).
IDENTITY_APP_FEDERATED = "app-federated"
IDENTITY_APP_CERTIFICATE = "app-certificate"
IDENTITY_MANAGED = "managed-identity"
IDENTITY_MODES = (IDENTITY_APP_FEDERATED, IDENTITY_APP_CERTIFICATE, IDENTITY_MANAGED)
DEFAULT_IDENTITY_MODE = IDENTITY_APP_FEDERATED


# Every app setting this module reads, plus AZURE_CLIENT_ID (read by azure-identity itself). Tools that start the
# app with a clean slate (the dev host's tests, the benchmarks) scrub exactly these.
SETTING_NAMES = (
    "CPP_BASE_URL",
    "CPP_API_VERSION",
    "CPP_ACCESS_TOKEN",
    "CPP_TOKEN_SCOPE",
    "CPP_CONNECT_TIMEOUT_S",
    "CPP_READ_TIMEOUT_S",
    "CPP_MAX_RETRIES",
    "AZURE_CLIENT_ID",
    "IDENTITY_MODE",
    "IDENTITY_APP_CLIENT_ID",
    "IDENTITY_APP_TENANT_ID",
    "IDENTITY_APP_CERTIFICATE",
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_API_BASE_URL",
    "CANCEL_POLICY",
    "AUDIT_CHANNEL_ID",
    "WATCH_TIMEOUT_S",
    "POLL_INITIAL_INTERVAL_S",
    "POLL_MAX_INTERVAL_S",
    "WATCH_POLLS_PER_GENERATION",
    "WEBHOOK_SECRET",
    "WEBHOOK_MAX_BODY_BYTES",
    "WEBHOOK_WAIT_S",
    "APPROVAL_TIMEOUT_S",
    "RECORD_STORE_SQLITE",
    "RECORD_STORE_TABLE",
    "CANCEL_LOCK_LEASE_S",
    "CANCEL_JOIN_WAIT_S",
    "JOB_REGISTRATION_MAX_PER_OFFER",
    "JOB_REGISTRATION_MAX_PER_CALLER",
    "INGESTION_BASE_URL",
    "INGESTION_API_VERSION",
    "INGESTION_TOKEN_SCOPE",
    "INGESTION_ACCESS_TOKEN",
    "INGESTION_MIN_POLL_INTERVAL_S",
    "INGESTION_CONNECT_TIMEOUT_S",
    "INGESTION_READ_TIMEOUT_S",
    "INGESTION_MAX_RETRIES",
    *TEAMS_SETTING_NAMES,
    *SUBMISSION_API_SETTING_NAMES,
)
# The Functions platform's own storage settings, which the record store reuses (record_store/factory.py).
STORAGE_SETTING_NAMES = (
    "AzureWebJobsStorage",
    "AzureWebJobsStorage__tableServiceUri",
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__clientId",
)
DEFAULT_RECORD_STORE_TABLE = "cppcancelrecords"


class SettingsError(ValueError):
    """Raised when settings are present but unusable; the message lists every problem at once."""


@dataclass(frozen=True)
class ApiLimits:
    """How long one marketplace API may take to connect and to answer, and how often a safe read is retried (a
    POST never is, once a byte may have left). Each backend has its own (`Settings.cpp_limits`, ...)."""

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_retries: int = 4

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) as `requests` wants it."""
        return (self.connect_timeout_s, self.read_timeout_s)

    def quick(self, connect_s: float, read_s: float) -> ApiLimits:
        """At most these timeouts and no retries: for a read a person waits for (a Slack request's 3 s)."""
        return ApiLimits(min(self.connect_timeout_s, connect_s), min(self.read_timeout_s, read_s), 0)


@dataclass(frozen=True)
class Settings:
    cpp_base_url: str = DEFAULT_CPP_BASE_URL
    cpp_api_version: str = DEFAULT_CPP_API_VERSION
    cpp_access_token: str | None = field(default=None, repr=False)
    cpp_token_scope: str = CPP_TOKEN_SCOPE
    cpp_connect_timeout_s: float = 5.0
    cpp_read_timeout_s: float = 30.0
    cpp_max_retries: int = 4

    identity_mode: str = DEFAULT_IDENTITY_MODE
    azure_client_id: str | None = None  # the user-assigned managed identity (AZURE_CLIENT_ID)
    identity_app_client_id: str | None = None
    identity_app_tenant_id: str | None = None
    identity_app_certificate: str | None = field(default=None, repr=False)  # holds a private key

    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_api_base_url: str = DEFAULT_SLACK_API_BASE_URL
    cancel_policy: str | None = field(default=None, repr=False)
    audit_channel_id: str | None = None

    watch_timeout_s: float = 24 * 3600.0
    poll_initial_interval_s: float = 15.0
    poll_max_interval_s: float = 300.0
    watch_polls_per_generation: int = 40

    webhook_secret: str | None = field(default=None, repr=False)
    webhook_max_body_bytes: int = 16 * 1024
    webhook_wait_s: float = 20.0
    # The two-person rule: how long a cancel waits for its approvals before it expires (nothing sent).
    approval_timeout_s: float = 900.0

    record_store_sqlite: str | None = None
    record_store_table: str = DEFAULT_RECORD_STORE_TABLE
    cancel_lock_lease_s: float = 3600.0
    cancel_join_wait_s: float = 10.0
    # Running registered configure jobs (POST /api/webhooks/jobs): each is a stored row and a watcher polling the API.
    job_registration_max_per_offer: int = 10
    job_registration_max_per_caller: int = 100
    storage_connection_string: str | None = field(default=None, repr=False)  # may hold an account key
    storage_table_endpoint: str | None = None
    storage_client_id: str | None = None

    # The Product Ingestion API (configure jobs): its own host, version, audience and token, never the CPP's.
    ingestion_base_url: str = DEFAULT_INGESTION_BASE_URL
    ingestion_api_version: str = DEFAULT_INGESTION_API_VERSION
    ingestion_token_scope: str = INGESTION_TOKEN_SCOPE
    ingestion_access_token: str | None = field(default=None, repr=False)
    # Microsoft: a configure job's status "with a maximum frequency of one request per minute", per job, whoever reads.
    ingestion_min_poll_interval_s: float = 60.0
    # The Product Ingestion API's own timeouts and retries; unset (None): the CPP's, as before they existed.
    ingestion_connect_timeout_s: float | None = None
    ingestion_read_timeout_s: float | None = None
    ingestion_max_retries: int | None = None

    teams: TeamsSettings = field(default_factory=TeamsSettings)
    submission_api: SubmissionApiSettings = field(default_factory=SubmissionApiSettings)

    @property
    def cpp_limits(self) -> ApiLimits:
        return ApiLimits(self.cpp_connect_timeout_s, self.cpp_read_timeout_s, self.cpp_max_retries)

    @property
    def ingestion_limits(self) -> ApiLimits:
        cpp = self.cpp_limits
        return ApiLimits(
            cpp.connect_timeout_s if self.ingestion_connect_timeout_s is None else self.ingestion_connect_timeout_s,
            cpp.read_timeout_s if self.ingestion_read_timeout_s is None else self.ingestion_read_timeout_s,
            cpp.max_retries if self.ingestion_max_retries is None else self.ingestion_max_retries,
        )


def _table_endpoint(env: read.Env) -> str | None:
    uri = read.text(env, "AzureWebJobsStorage__tableServiceUri")
    account = read.text(env, "AzureWebJobsStorage__accountName")
    return uri or (f"https://{account}.table.core.windows.net" if account else None)


def _table_name(env: read.Env) -> str:
    table = read.text(env, "RECORD_STORE_TABLE") or DEFAULT_RECORD_STORE_TABLE
    if not (table.isascii() and table.isalnum() and table[:1].isalpha() and 3 <= len(table) <= 63):
        env.problems.append(
            f"RECORD_STORE_TABLE must be 3-63 letters and digits, starting with a letter (got {table!r})"
        )
    return table


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(parts.scheme)


def _check_apart(settings: Settings, problems: list[str]) -> None:
    """The two backends' tokens must never meet: their base URLs may not share an origin (each client pins its
    requests to its own origin, so distinct origins keep each token away from the other API). Microsoft Graph's
    token (Entra groups) and the submission API's are kept apart the same way."""
    if _origin(settings.ingestion_base_url) == _origin(settings.cpp_base_url):
        problems.append(
            "INGESTION_BASE_URL and CPP_BASE_URL must be on different origins (scheme, host, port), so that neither "
            "API's token can reach the other"
        )
    if _origin(settings.teams.graph_base_url) == _origin(settings.cpp_base_url):
        problems.append("TEAMS_GRAPH_BASE_URL and CPP_BASE_URL must be on different origins (scheme, host, port)")
    submission = settings.submission_api.base_url
    others = (settings.cpp_base_url, settings.ingestion_base_url, settings.teams.graph_base_url)
    for other, url in zip(("CPP_BASE_URL", "INGESTION_BASE_URL", "TEAMS_GRAPH_BASE_URL"), others, strict=True):
        if _origin(submission) == _origin(url):
            problems.append(f"SUBMISSION_API_BASE_URL and {other} must be on different origins (scheme, host, port)")


def _identity_mode(env: read.Env) -> str:
    """IDENTITY_MODE, one of IDENTITY_MODES (a typo must not silently pick another identity).

    What a mode needs (the app registration's IDs, the managed identity, the certificate) is checked when the first
    token is needed (backends/http/credentials.py): while a team is still creating its app registration, the Slack
    commands that never call the Partner Portal keep working, and the ones that do say exactly what is missing. A
    local run needs no identity at all: the dev host's emulators take a fixed token (CPP_ACCESS_TOKEN,
    INGESTION_ACCESS_TOKEN), which is used before any identity is asked.
    """
    mode = (read.text(env, "IDENTITY_MODE") or DEFAULT_IDENTITY_MODE).lower()
    if mode not in IDENTITY_MODES:
        env.problems.append(f"IDENTITY_MODE must be one of {', '.join(IDENTITY_MODES)}; got {mode!r}")
        return DEFAULT_IDENTITY_MODE
    return mode


def _apis(env: read.Env) -> dict[str, Any]:
    """The marketplace APIs: where, which version, which token, how long and how often (each its own)."""
    return {
        "cpp_base_url": read.base_url(env, "CPP_BASE_URL", DEFAULT_CPP_BASE_URL),
        "cpp_api_version": read.text(env, "CPP_API_VERSION") or DEFAULT_CPP_API_VERSION,
        "cpp_access_token": read.text(env, "CPP_ACCESS_TOKEN"),
        "cpp_token_scope": read.text(env, "CPP_TOKEN_SCOPE") or CPP_TOKEN_SCOPE,
        "cpp_connect_timeout_s": read.seconds(env, "CPP_CONNECT_TIMEOUT_S", 5.0),
        "cpp_read_timeout_s": read.seconds(env, "CPP_READ_TIMEOUT_S", 30.0),
        "cpp_max_retries": read.count(env, "CPP_MAX_RETRIES", 4, minimum=0),
        "ingestion_base_url": read.base_url(env, "INGESTION_BASE_URL", DEFAULT_INGESTION_BASE_URL),
        "ingestion_api_version": read.text(env, "INGESTION_API_VERSION") or DEFAULT_INGESTION_API_VERSION,
        "ingestion_token_scope": read.text(env, "INGESTION_TOKEN_SCOPE") or INGESTION_TOKEN_SCOPE,
        "ingestion_access_token": read.text(env, "INGESTION_ACCESS_TOKEN"),
        "ingestion_min_poll_interval_s": read.seconds(env, "INGESTION_MIN_POLL_INTERVAL_S", 60.0),
        "ingestion_connect_timeout_s": read.maybe_seconds(env, "INGESTION_CONNECT_TIMEOUT_S"),
        "ingestion_read_timeout_s": read.maybe_seconds(env, "INGESTION_READ_TIMEOUT_S"),
        "ingestion_max_retries": read.maybe_count(env, "INGESTION_MAX_RETRIES", minimum=0),
    }


def _identity(env: read.Env) -> dict[str, Any]:
    return {
        "identity_mode": _identity_mode(env),
        "azure_client_id": read.text(env, "AZURE_CLIENT_ID"),
        "identity_app_client_id": read.text(env, "IDENTITY_APP_CLIENT_ID"),
        "identity_app_tenant_id": read.text(env, "IDENTITY_APP_TENANT_ID"),
        "identity_app_certificate": read.text(env, "IDENTITY_APP_CERTIFICATE"),
    }


def _slack(env: read.Env) -> dict[str, Any]:
    slack_api_base_url = read.text(env, "SLACK_API_BASE_URL") or DEFAULT_SLACK_API_BASE_URL
    read.base_url_problem("SLACK_API_BASE_URL", slack_api_base_url, env.problems)
    return {
        "slack_signing_secret": read.text(env, "SLACK_SIGNING_SECRET"),
        "slack_bot_token": read.text(env, "SLACK_BOT_TOKEN"),
        "slack_api_base_url": slack_api_base_url if slack_api_base_url.endswith("/") else slack_api_base_url + "/",
        "audit_channel_id": read.text(env, "AUDIT_CHANNEL_ID"),
    }


def _behaviour(env: read.Env) -> dict[str, Any]:
    """The policy, the watch's schedule, the webhook, the cancel lock and the job registrations."""
    return {
        "cancel_policy": read.text(env, "CANCEL_POLICY"),
        "watch_timeout_s": read.seconds(env, "WATCH_TIMEOUT_S", 24 * 3600.0),
        "poll_initial_interval_s": read.seconds(env, "POLL_INITIAL_INTERVAL_S", 15.0),
        "poll_max_interval_s": read.seconds(env, "POLL_MAX_INTERVAL_S", 300.0),
        "watch_polls_per_generation": read.count(env, "WATCH_POLLS_PER_GENERATION", 40, minimum=1),
        "webhook_secret": read.text(env, "WEBHOOK_SECRET"),
        "webhook_max_body_bytes": read.count(env, "WEBHOOK_MAX_BODY_BYTES", 16 * 1024, minimum=256),
        "webhook_wait_s": read.seconds(env, "WEBHOOK_WAIT_S", 20.0),
        "approval_timeout_s": read.seconds(env, "APPROVAL_TIMEOUT_S", 900.0, minimum=0.1),
        "cancel_lock_lease_s": read.seconds(env, "CANCEL_LOCK_LEASE_S", 3600.0, minimum=60.0),
        "cancel_join_wait_s": read.seconds(env, "CANCEL_JOIN_WAIT_S", 10.0),
        "job_registration_max_per_offer": read.count(env, "JOB_REGISTRATION_MAX_PER_OFFER", 10, minimum=1),
        "job_registration_max_per_caller": read.count(env, "JOB_REGISTRATION_MAX_PER_CALLER", 100, minimum=1),
    }


def _storage(env: read.Env) -> dict[str, Any]:
    """Where the cancel record lives: an explicit SQLite file, else the function app's own storage account."""
    return {
        "record_store_sqlite": read.text(env, "RECORD_STORE_SQLITE"),
        "record_store_table": _table_name(env),
        "storage_connection_string": read.text(env, "AzureWebJobsStorage"),
        "storage_table_endpoint": _table_endpoint(env),
        "storage_client_id": read.text(env, "AzureWebJobsStorage__clientId") or read.text(env, "AZURE_CLIENT_ID"),
    }


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build settings from a mapping (the environment); raise SettingsError naming every bad value."""
    values = read.Env(env)
    settings = Settings(
        **_apis(values),
        **_identity(values),
        **_slack(values),
        **_behaviour(values),
        **_storage(values),
        teams=read_teams(values),
        submission_api=read_submission_api(values),
    )
    problems = values.problems
    _check_apart(settings, problems)
    if settings.poll_max_interval_s < settings.poll_initial_interval_s:
        problems.append(
            "POLL_MAX_INTERVAL_S must not be smaller than POLL_INITIAL_INTERVAL_S "
            f"({settings.poll_max_interval_s:g} < {settings.poll_initial_interval_s:g})"
        )
    if problems:
        raise SettingsError("Invalid settings:\n- " + "\n- ".join(problems))
    return settings


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once (the host restarts the worker when app settings change)."""
    return load_settings(os.environ)


def reset_settings_cache() -> None:
    """For the dev host and tests that change the environment between runs."""
    get_settings.cache_clear()
