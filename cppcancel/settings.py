"""The one settings object of the app: read once from the environment, validated with messages a person can act on.

Azure Functions (and Core Tools, and the dev host) put app settings / `local.settings.json` `Values` into the process
environment, so the environment is the only source read here. Secrets are kept out of `repr()` so that logging a
settings object can never leak them.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cppcancel.chat_ids import is_guid
from cppcancel.identifiers import parse_publisher_list

DEFAULT_CPP_BASE_URL = "https://cloudpartner.azure.com"
DEFAULT_CPP_API_VERSION = "2017-10-31"
DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"
_log = logging.getLogger(__name__)
KEY_VAULT_REFERENCE_PREFIX = "@Microsoft.KeyVault("

CPP_TOKEN_SCOPE = "https://cloudpartner.azure.com/.default"  # noqa: S105 - an audience, not a secret
DEFAULT_INGESTION_BASE_URL = "https://graph.microsoft.com/rp/product-ingestion"
DEFAULT_INGESTION_API_VERSION = "2022-03-01-preview2"
INGESTION_TOKEN_SCOPE = "https://graph.microsoft.com/.default"  # noqa: S105 - an audience, not a secret
DEFAULT_SUBMISSION_API_BASE_URL = "https://api.partner.microsoft.com/v1.0/ingestion"
SUBMISSION_API_TOKEN_SCOPE = "https://api.partner.microsoft.com/.default"  # noqa: S105 - an audience, not a secret
# Microsoft Teams (teams_app/): the Bot Framework's OpenID metadata (its signing keys sit beside it at `.../keys`,
# the Teams SDK derives that address from this one) and Microsoft Graph, asked for Entra group membership.
DEFAULT_TEAMS_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TEAMS_OPENID_METADATA_SUFFIX = "/openidconfiguration"
DEFAULT_TEAMS_GRAPH_BASE_URL = "https://graph.microsoft.com"

# How the app gets its Azure AD tokens (partner_portal/credentials.py). The default is an app registration that trusts
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
    "TEAMS_APP_ID",
    "TEAMS_TENANT_ID",
    "TEAMS_OPENID_METADATA_URL",
    "TEAMS_ACCESS_TOKEN",
    "TEAMS_GRAPH_BASE_URL",
    "TEAMS_GRAPH_ACCESS_TOKEN",
    "SUBMISSION_API_BASE_URL",
    "SUBMISSION_API_TOKEN_SCOPE",
    "SUBMISSION_API_ACCESS_TOKEN",
    "SUBMISSION_API_PUBLISHERS",
    "SUBMISSION_API_CONNECT_TIMEOUT_S",
    "SUBMISSION_API_READ_TIMEOUT_S",
    "SUBMISSION_API_MAX_RETRIES",
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
class TeamsSettings:
    """The Microsoft Teams front end's settings (teams_app/). No `app_id` means every Teams request is refused.

    The tokens are for local runs and tests only; in Azure both come from the user-assigned identity
    (AZURE_CLIENT_ID), which is also the bot's app ID.
    """

    app_id: str | None = None  # the bot's Microsoft App ID: the audience every inbound token must carry
    tenant_id: str | None = None  # the bot's Entra tenant (single-tenant / managed-identity bots)
    openid_metadata_url: str = DEFAULT_TEAMS_OPENID_METADATA_URL
    access_token: str | None = field(default=None, repr=False)  # static Bot Connector token (local only)
    graph_base_url: str = DEFAULT_TEAMS_GRAPH_BASE_URL
    graph_access_token: str | None = field(default=None, repr=False)  # static Graph token (local only)


@dataclass(frozen=True)
class SubmissionApiSettings:
    """The Partner Center submission API's (submission_api/, Azure Application offers). It finds products by offer ID
    account-wide, so only `publishers` are ever looked up there (none by default)."""

    base_url: str = DEFAULT_SUBMISSION_API_BASE_URL
    token_scope: str = SUBMISSION_API_TOKEN_SCOPE
    access_token: str | None = field(default=None, repr=False)  # static token (local only)
    publishers: tuple[str, ...] = ()
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_retries: int = 4


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

    teams: TeamsSettings = field(default_factory=TeamsSettings)
    submission_api: SubmissionApiSettings = field(default_factory=SubmissionApiSettings)

    @property
    def cpp_timeout(self) -> tuple[float, float]:
        """(connect, read) as `requests` wants it."""
        return (self.cpp_connect_timeout_s, self.cpp_read_timeout_s)


def is_loopback_host(host: str) -> bool:
    """Plain http is allowed only to these (the emulators); everything else must be https."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(name: str, value: str, problems: list[str]) -> str:
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        problems.append(f"{name} must be an absolute https:// URL, got {value!r}")
    elif parts.scheme == "http" and not is_loopback_host(host):
        problems.append(f"{name} may use plain http:// only for a loopback emulator, got {value!r}")
    elif parts.username or parts.password:
        problems.append(f"{name} must not carry user-info")
    elif parts.query or parts.fragment:
        problems.append(f"{name} must not carry a query or fragment")
    return value


def _number(env: Mapping[str, str], name: str, default: float, problems: list[str], *, minimum: float = 0.0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{name} must be a number of seconds, got {raw!r}")
        return default
    if not value > minimum or value != value or value == float("inf"):
        problems.append(f"{name} must be a finite number greater than {minimum:g}, got {raw!r}")
        return default
    return value


def _integer(env: Mapping[str, str], name: str, default: int, problems: list[str], *, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name} must be a whole number, got {raw!r}")
        return default
    if value < minimum:
        problems.append(f"{name} must be at least {minimum}, got {value}")
        return default
    return value


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    if value.startswith(KEY_VAULT_REFERENCE_PREFIX):
        # App Service hands an unresolved Key Vault reference through verbatim (secret not set yet, or no access).
        # Using it as a secret would only produce confusing signature failures: treat it as unset, and say why.
        _log.warning("%s is an unresolved Key Vault reference; treating it as unset (is the secret set?)", name)
        return None
    return value or None


def _table_endpoint(env: Mapping[str, str]) -> str | None:
    uri = _text(env, "AzureWebJobsStorage__tableServiceUri")
    account = _text(env, "AzureWebJobsStorage__accountName")
    return uri or (f"https://{account}.table.core.windows.net" if account else None)


def _table_name(env: Mapping[str, str], problems: list[str]) -> str:
    table = _text(env, "RECORD_STORE_TABLE") or DEFAULT_RECORD_STORE_TABLE
    if not (table.isascii() and table.isalnum() and table[:1].isalpha() and 3 <= len(table) <= 63):
        problems.append(f"RECORD_STORE_TABLE must be 3-63 letters and digits, starting with a letter (got {table!r})")
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
    token (Entra groups) is kept from the CPP the same way."""
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


def _checked(settings: Settings, problems: list[str]) -> Settings:
    """`settings` once the checks across settings have run; SettingsError naming every problem found."""
    _check_apart(settings, problems)
    if settings.poll_max_interval_s < settings.poll_initial_interval_s:
        problems.append(
            "POLL_MAX_INTERVAL_S must not be smaller than POLL_INITIAL_INTERVAL_S "
            f"({settings.poll_max_interval_s:g} < {settings.poll_initial_interval_s:g})"
        )
    if problems:
        raise SettingsError("Invalid settings:\n- " + "\n- ".join(problems))
    return settings


def _identity_mode(env: Mapping[str, str], problems: list[str]) -> str:
    """IDENTITY_MODE, one of IDENTITY_MODES (a typo must not silently pick another identity).

    What a mode needs (the app registration's IDs, the managed identity, the certificate) is checked when the first
    token is needed (partner_portal/credentials.py): while a team is still creating its app registration, the Slack
    commands that never call the Partner Portal keep working, and the ones that do say exactly what is missing. A
    local run needs no identity at all: the dev host's emulators take a fixed token (CPP_ACCESS_TOKEN,
    INGESTION_ACCESS_TOKEN), which is used before any identity is asked.
    """
    mode = (_text(env, "IDENTITY_MODE") or DEFAULT_IDENTITY_MODE).lower()
    if mode not in IDENTITY_MODES:
        problems.append(f"IDENTITY_MODE must be one of {', '.join(IDENTITY_MODES)}; got {mode!r}")
        return DEFAULT_IDENTITY_MODE
    return mode


def _slack_api_base_url(env: Mapping[str, str], problems: list[str]) -> str:
    url = _text(env, "SLACK_API_BASE_URL") or DEFAULT_SLACK_API_BASE_URL
    _check_base_url("SLACK_API_BASE_URL", url, problems)
    return url if url.endswith("/") else url + "/"


def _guid(env: Mapping[str, str], name: str, what: str, problems: list[str]) -> str | None:
    value = _text(env, name)
    if value is not None and not is_guid(value):
        problems.append(f"{name} must be {what}, a GUID such as 00000000-0000-0000-0000-000000000000; got {value!r}")
        return None
    return value.lower() if value else None


def _teams(env: Mapping[str, str], problems: list[str]) -> TeamsSettings:
    """TEAMS_*: the SDK derives the signing keys' address from the metadata URL's `/openidconfiguration` ending, and
    Graph is asked under its origin alone (the client adds `/v1.0/...`)."""
    metadata = _text(env, "TEAMS_OPENID_METADATA_URL") or DEFAULT_TEAMS_OPENID_METADATA_URL
    _check_base_url("TEAMS_OPENID_METADATA_URL", metadata, problems)
    if not metadata.endswith(TEAMS_OPENID_METADATA_SUFFIX):
        problems.append(
            f"TEAMS_OPENID_METADATA_URL must end in {TEAMS_OPENID_METADATA_SUFFIX} (its keys are read from .../keys "
            f"beside it), got {metadata!r}"
        )
    graph = (_text(env, "TEAMS_GRAPH_BASE_URL") or DEFAULT_TEAMS_GRAPH_BASE_URL).rstrip("/")
    _check_base_url("TEAMS_GRAPH_BASE_URL", graph, problems)
    if urlsplit(graph).path:
        problems.append(f"TEAMS_GRAPH_BASE_URL must be an origin only, such as {DEFAULT_TEAMS_GRAPH_BASE_URL}")
    return TeamsSettings(
        app_id=_guid(env, "TEAMS_APP_ID", "the bot's Microsoft App ID", problems),
        tenant_id=_guid(env, "TEAMS_TENANT_ID", "the bot's Entra tenant ID", problems),
        openid_metadata_url=metadata,
        access_token=_text(env, "TEAMS_ACCESS_TOKEN"),
        graph_base_url=graph,
        graph_access_token=_text(env, "TEAMS_GRAPH_ACCESS_TOKEN"),
    )


def _submission_api(env: Mapping[str, str], problems: list[str]) -> SubmissionApiSettings:
    base_url = (_text(env, "SUBMISSION_API_BASE_URL") or DEFAULT_SUBMISSION_API_BASE_URL).rstrip("/")
    publishers, wrong = parse_publisher_list(_text(env, "SUBMISSION_API_PUBLISHERS") or "")
    problems.extend(f"SUBMISSION_API_PUBLISHERS: {problem}" for problem in wrong)
    return SubmissionApiSettings(
        base_url=_check_base_url("SUBMISSION_API_BASE_URL", base_url, problems),
        token_scope=_text(env, "SUBMISSION_API_TOKEN_SCOPE") or SUBMISSION_API_TOKEN_SCOPE,
        access_token=_text(env, "SUBMISSION_API_ACCESS_TOKEN"),
        publishers=publishers,
        connect_timeout_s=_number(env, "SUBMISSION_API_CONNECT_TIMEOUT_S", 5.0, problems),
        read_timeout_s=_number(env, "SUBMISSION_API_READ_TIMEOUT_S", 30.0, problems),
        max_retries=_integer(env, "SUBMISSION_API_MAX_RETRIES", 4, problems, minimum=0),
    )


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build settings from a mapping (the environment); raise SettingsError naming every bad value."""
    problems: list[str] = []
    cpp_base_url = _check_base_url(
        "CPP_BASE_URL", (_text(env, "CPP_BASE_URL") or DEFAULT_CPP_BASE_URL).rstrip("/"), problems
    )
    settings = Settings(
        cpp_base_url=cpp_base_url,
        cpp_api_version=_text(env, "CPP_API_VERSION") or DEFAULT_CPP_API_VERSION,
        cpp_access_token=_text(env, "CPP_ACCESS_TOKEN"),
        cpp_token_scope=_text(env, "CPP_TOKEN_SCOPE") or CPP_TOKEN_SCOPE,
        cpp_connect_timeout_s=_number(env, "CPP_CONNECT_TIMEOUT_S", 5.0, problems),
        cpp_read_timeout_s=_number(env, "CPP_READ_TIMEOUT_S", 30.0, problems),
        cpp_max_retries=_integer(env, "CPP_MAX_RETRIES", 4, problems, minimum=0),
        identity_mode=_identity_mode(env, problems),
        azure_client_id=_text(env, "AZURE_CLIENT_ID"),
        identity_app_client_id=_text(env, "IDENTITY_APP_CLIENT_ID"),
        identity_app_tenant_id=_text(env, "IDENTITY_APP_TENANT_ID"),
        identity_app_certificate=_text(env, "IDENTITY_APP_CERTIFICATE"),
        slack_signing_secret=_text(env, "SLACK_SIGNING_SECRET"),
        slack_bot_token=_text(env, "SLACK_BOT_TOKEN"),
        slack_api_base_url=_slack_api_base_url(env, problems),
        cancel_policy=_text(env, "CANCEL_POLICY"),
        audit_channel_id=_text(env, "AUDIT_CHANNEL_ID"),
        watch_timeout_s=_number(env, "WATCH_TIMEOUT_S", 24 * 3600.0, problems),
        poll_initial_interval_s=_number(env, "POLL_INITIAL_INTERVAL_S", 15.0, problems),
        poll_max_interval_s=_number(env, "POLL_MAX_INTERVAL_S", 300.0, problems),
        watch_polls_per_generation=_integer(env, "WATCH_POLLS_PER_GENERATION", 40, problems, minimum=1),
        webhook_secret=_text(env, "WEBHOOK_SECRET"),
        webhook_max_body_bytes=_integer(env, "WEBHOOK_MAX_BODY_BYTES", 16 * 1024, problems, minimum=256),
        webhook_wait_s=_number(env, "WEBHOOK_WAIT_S", 20.0, problems),
        # Where the cancel record lives: an explicit SQLite file, else the function app's own storage account.
        record_store_sqlite=_text(env, "RECORD_STORE_SQLITE"),
        record_store_table=_table_name(env, problems),
        cancel_lock_lease_s=_number(env, "CANCEL_LOCK_LEASE_S", 3600.0, problems, minimum=60.0),
        cancel_join_wait_s=_number(env, "CANCEL_JOIN_WAIT_S", 10.0, problems),
        job_registration_max_per_offer=_integer(env, "JOB_REGISTRATION_MAX_PER_OFFER", 10, problems, minimum=1),
        job_registration_max_per_caller=_integer(env, "JOB_REGISTRATION_MAX_PER_CALLER", 100, problems, minimum=1),
        storage_connection_string=_text(env, "AzureWebJobsStorage"),
        storage_table_endpoint=_table_endpoint(env),
        storage_client_id=_text(env, "AzureWebJobsStorage__clientId") or _text(env, "AZURE_CLIENT_ID"),
        ingestion_base_url=_check_base_url(
            "INGESTION_BASE_URL", (_text(env, "INGESTION_BASE_URL") or DEFAULT_INGESTION_BASE_URL).rstrip("/"), problems
        ),
        ingestion_api_version=_text(env, "INGESTION_API_VERSION") or DEFAULT_INGESTION_API_VERSION,
        ingestion_token_scope=_text(env, "INGESTION_TOKEN_SCOPE") or INGESTION_TOKEN_SCOPE,
        ingestion_access_token=_text(env, "INGESTION_ACCESS_TOKEN"),
        ingestion_min_poll_interval_s=_number(env, "INGESTION_MIN_POLL_INTERVAL_S", 60.0, problems),
        teams=_teams(env, problems),
        submission_api=_submission_api(env, problems),
    )
    return _checked(settings, problems)


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once (the host restarts the worker when app settings change)."""
    return load_settings(os.environ)


def reset_settings_cache() -> None:
    """For the dev host and tests that change the environment between runs."""
    get_settings.cache_clear()
