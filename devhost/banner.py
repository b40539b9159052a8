"""The startup banner: where to point Slack, what answers locally, what is real, and what Azure will do differently.

Secrets are never printed - only whether each one is set and where it came from.
"""

from __future__ import annotations

import os

from devhost.functions.host import FunctionKind
from devhost.functions.settings import is_set
from devhost.host import DevHost

_ROLES = (  # (route contains, method, label)
    ("slack/commands", "POST", "Slack slash command Request URL"),
    ("slack/interactions", "POST", "Slack interactivity Request URL"),
    ("webhook", "POST", "Webhook URL"),
    ("webhook", "GET", "Webhook status URL"),
    ("messages", "POST", "Teams messaging endpoint (Azure Bot)"),
)


def render_banner(host: DevHost) -> str:
    info = host.info()
    lines = [
        "",
        "cppcancel dev host - local stand-in for the Azure Functions host + Durable extension (not production)",
    ]
    lines.append(f"  Listening on {info['origin']}   app: {host.options.app}")
    http = [f for f in info["functions"] if "url" in f]
    if http:
        lines.append("  HTTP functions:")
        for function in http:
            methods = ",".join(function["methods"])
            key = "  [Azure requires a function key]" if function["authLevel"] in ("FUNCTION", "ADMIN") else ""
            lines.append(f"    {function['name']:<28} {methods:<10} {function['url']}{key}")
    roles = [
        (label, function["url"])
        for route_part, method, label in _ROLES
        for function in http
        if route_part in function["route"].lower() and method in function["methods"]
    ]
    if roles:
        lines.append("  Endpoints:")
        lines.extend(f"    {label:<34} {url}" for label, url in roles)
    lines.append(
        f"    {'Durable task API (client binding)':<34} {info['durableApi']}  (local callers, or ?code=<system key>)"
    )
    orchestrators = host.functions_of(FunctionKind.ORCHESTRATOR)
    activities = host.functions_of(FunctionKind.ACTIVITY)
    if orchestrators or activities:
        lines.append(f"  Orchestrators: {', '.join(orchestrators) or '-'}")
        lines.append(f"  Activities:    {', '.join(activities) or '-'}")
    lines.append("  Outside services:")
    lines.extend("    " + line for line in _services(host))
    lines.append("  Settings:")
    lines.extend("    " + line for line in _settings(host))
    lines.append(
        f"  Data: {host.data_dir} (orchestration histories in SQLite; {host.resumed} live instance(s) resumed)"
    )
    if host.settings_problem:
        lines.append("  ! The app's settings are invalid - functions that read them will fail:")
        lines.extend("    " + line for line in host.settings_problem.splitlines())
    lines.append("")
    return "\n".join(lines)


def _services(host: DevHost) -> list[str]:
    emulation = host.emulation
    lines = []
    if emulation.cpp is not None:
        lines.append(f"Cloud Partner Portal: EMULATED in-process at {emulation.cpp.base_url}")
    elif emulation.cpp_error:
        lines.append(
            f"Cloud Partner Portal: NOT AVAILABLE - no CPP_BASE_URL and the emulator failed: {emulation.cpp_error}"
        )
    else:
        how = "CPP_ACCESS_TOKEN set" if is_set(os.environ, "CPP_ACCESS_TOKEN") else "token from Azure identity"
        lines.append(f"Cloud Partner Portal: REAL at {os.environ.get('CPP_BASE_URL')} ({how})")
    if emulation.ingestion is not None:
        lines.append(f"Product Ingestion API: EMULATED by the stand-in at {emulation.ingestion.base_url}")
    else:
        lines.append(f"Product Ingestion API: REAL at {os.environ.get('INGESTION_BASE_URL')}")
    publishers = os.environ.get("SUBMISSION_API_PUBLISHERS", "").strip() or "none listed"
    where = "EMULATED by the stand-in at" if emulation.submission is not None else "REAL at"
    lines.append(
        f"Partner Center submission API: {where} {os.environ.get('SUBMISSION_API_BASE_URL')} "
        f"(SUBMISSION_API_PUBLISHERS: {publishers})"
    )
    if emulation.slack is not None:
        lines.append(f"Slack Web API: EMULATED by the stand-in at {emulation.slack.base_url} (messages printed below)")
    else:
        lines.append(f"Slack Web API: REAL at {os.environ.get('SLACK_API_BASE_URL')}")
    lines.append(_teams(host))
    if emulation.record_store is not None:
        lines.append(f"Cancel record: embedded SQLite at {emulation.record_store}")
    elif is_set(os.environ, "RECORD_STORE_SQLITE"):
        lines.append(f"Cancel record: SQLite at {os.environ.get('RECORD_STORE_SQLITE')}")
    else:
        lines.append("Cancel record: Azure Table Storage (AzureWebJobsStorage; UseDevelopmentStorage=true is Azurite)")
    return lines


def _teams(host: DevHost) -> str:
    connector = host.emulation.teams
    if connector is not None:
        bot = "local app ID" if host.emulation.teams_app_id_local else "TEAMS_APP_ID as set"
        return (
            f"Teams Bot Connector: EMULATED by the stand-in at {connector.origin} (OpenID metadata and signing keys, "
            f"conversations API; {bot}; it signs the activities sent to /api/messages)"
        )
    app_id = "set" if is_set(os.environ, "TEAMS_APP_ID") else "NOT set: every Teams request is refused"
    return f"Teams Bot Connector: REAL, keys from {os.environ.get('TEAMS_OPENID_METADATA_URL')} (TEAMS_APP_ID {app_id})"


def _settings(host: DevHost) -> list[str]:
    source = host.settings_source
    lines = []
    if source.path is not None:
        lines.append(f"local.settings.json: {source.path} ({len(source.applied)} value(s) applied; environment wins)")
    elif host.options.use_local_settings:
        lines.append("local.settings.json: none found (environment only)")
    if host.emulation.signing_secret_generated:
        lines.append("SLACK_SIGNING_SECRET: generated for local use only (kept in the data dir for `devhost slash`)")
    else:
        lines.append("SLACK_SIGNING_SECRET: set")
    if host.emulation.bot_token_dummy:
        lines.append("SLACK_BOT_TOKEN: dummy token for the stand-in")
    else:
        lines.append(f"SLACK_BOT_TOKEN: {'set' if is_set(os.environ, 'SLACK_BOT_TOKEN') else 'NOT set'}")
    for name in ("CANCEL_POLICY", "WEBHOOK_SECRET", "AUDIT_CHANNEL_ID"):
        lines.append(f"{name}: {'set' if is_set(os.environ, name) else 'not set'}")
    return lines
