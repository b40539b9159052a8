"""The Microsoft Teams front end's settings (TEAMS_*), read from the environment (`read_teams`).

Apart from `cppcancel.settings` so that each chat's and each API's settings sit in one small file; `Settings.teams`
holds them. The SDK derives the signing keys' address from the metadata URL's `/openidconfiguration` ending, and
Graph is asked under its origin alone (the client adds `/v1.0/...`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cppcancel import envread as read
from cppcancel.chat_ids import is_guid

# The Bot Framework's OpenID metadata (its signing keys sit beside it at `.../keys`) and Microsoft Graph, asked for
# Entra group membership.
DEFAULT_TEAMS_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TEAMS_OPENID_METADATA_SUFFIX = "/openidconfiguration"
DEFAULT_TEAMS_GRAPH_BASE_URL = "https://graph.microsoft.com"

TEAMS_SETTING_NAMES = (
    "TEAMS_APP_ID",
    "TEAMS_TENANT_ID",
    "TEAMS_OPENID_METADATA_URL",
    "TEAMS_ACCESS_TOKEN",
    "TEAMS_GRAPH_BASE_URL",
    "TEAMS_GRAPH_ACCESS_TOKEN",
)


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


def _guid(env: read.Env, name: str, what: str) -> str | None:
    value = read.text(env, name)
    if value is not None and not is_guid(value):
        env.problems.append(
            f"{name} must be {what}, a GUID such as 00000000-0000-0000-0000-000000000000; got {value!r}"
        )
        return None
    return value.lower() if value else None


def read_teams(env: read.Env) -> TeamsSettings:
    """TEAMS_*, every problem added to `env.problems`."""
    metadata = read.text(env, "TEAMS_OPENID_METADATA_URL") or DEFAULT_TEAMS_OPENID_METADATA_URL
    read.base_url_problem("TEAMS_OPENID_METADATA_URL", metadata, env.problems)
    if not metadata.endswith(TEAMS_OPENID_METADATA_SUFFIX):
        env.problems.append(
            f"TEAMS_OPENID_METADATA_URL must end in {TEAMS_OPENID_METADATA_SUFFIX} (its keys are read from .../keys "
            f"beside it), got {metadata!r}"
        )
    graph = read.base_url(env, "TEAMS_GRAPH_BASE_URL", DEFAULT_TEAMS_GRAPH_BASE_URL)
    if urlsplit(graph).path:
        env.problems.append(f"TEAMS_GRAPH_BASE_URL must be an origin only, such as {DEFAULT_TEAMS_GRAPH_BASE_URL}")
    return TeamsSettings(
        app_id=_guid(env, "TEAMS_APP_ID", "the bot's Microsoft App ID"),
        tenant_id=_guid(env, "TEAMS_TENANT_ID", "the bot's Entra tenant ID"),
        openid_metadata_url=metadata,
        access_token=read.text(env, "TEAMS_ACCESS_TOKEN"),
        graph_base_url=graph,
        graph_access_token=read.text(env, "TEAMS_GRAPH_ACCESS_TOKEN"),
    )
