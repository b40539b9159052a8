"""Every function of the package, as the host indexes it: its name, its trigger, and where its code is.

Indexing the app is the first thing every cold worker does, whatever it was started for, so this module imports no
implementation: each HTTP trigger is a thin `async def` that imports its handler when a request comes, and each
orchestrator and activity is registered by name with the `"module:function"` that runs it, imported on first use
(`durable_registration`). A Slack command's first answer therefore pays for Slack, the policy and the Partner Portal
client, not for the webhooks', the orchestrations' or the record's modules. The names are the contract: histories
hold them, and `names.py` is what the orchestrations call.
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from cancel_function.blueprint import http_with_durable_client, registrar
from cancel_function.names import (
    ASK_APPROVAL,
    FIND_WATCHER,
    OPEN_APPROVAL,
    POINT_TO_REPORT,
    REFRESH_APPROVAL,
    REPORT_CANCEL,
    SEND_CANCEL,
    START_WATCHER,
    STATUS_ROUTE,
)

registrar.lazy_orchestrator("cancel_orchestrator", "cancel_function.cancel_orchestrator:cancel_orchestrator")
registrar.lazy_activity(SEND_CANCEL, "cancel_function.send_activity:send_cancel")
registrar.lazy_client_activity(FIND_WATCHER, "cancel_function.watcher_handover:find_watcher")
registrar.lazy_activity(REPORT_CANCEL, "cancel_function.report_activities:report_cancel")
registrar.lazy_activity(POINT_TO_REPORT, "cancel_function.report_activities:point_to_report")
registrar.lazy_client_activity(START_WATCHER, "cancel_function.watcher_handover:start_watcher")
registrar.lazy_activity(OPEN_APPROVAL, "cancel_function.approval_activities:open_approval")
registrar.lazy_activity(ASK_APPROVAL, "cancel_function.approval_activities:ask_approval")
registrar.lazy_activity(REFRESH_APPROVAL, "cancel_function.approval_activities:refresh_approval")
registrar.lazy_orchestrator("answer_slack_later", "cancel_function.slack_later:answer_slack_later")
registrar.lazy_activity("answer_slack_command", "cancel_function.slack_later:answer_slack_command")


@http_with_durable_client("slack/commands", ["POST"], func.AuthLevel.ANONYMOUS)
async def slack_commands(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Slash commands (`/cpp ...`): the answer is the ack body."""
    from cancel_function.slack_routes import serve_slack

    return await serve_slack(req, client)


@http_with_durable_client("slack/interactions", ["POST"], func.AuthLevel.ANONYMOUS)
async def slack_interactions(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Button clicks (`block_actions`): ack at once, answer through response_url."""
    from cancel_function.slack_routes import serve_slack

    return await serve_slack(req, client)


@http_with_durable_client("webhooks/cancel", ["POST"], func.AuthLevel.FUNCTION)
async def webhook_cancel(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Pipelines' cancel: signed, authorized, idempotent per webhook-id."""
    from cancel_function.webhook_routes import handle_cancel

    return await handle_cancel(req, client)


@http_with_durable_client(STATUS_ROUTE, ["GET"], func.AuthLevel.FUNCTION)
async def webhook_operation_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The watcher's (or a pending cancel's) custom status as JSON."""
    from cancel_function.webhook_routes import handle_status

    return await handle_status(req, client)


@http_with_durable_client("webhooks/jobs", ["POST"], func.AuthLevel.FUNCTION)
async def webhook_register_job(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Pipelines register the configure job they started: signed, authorized, idempotent per job."""
    from cancel_function.job_routes import handle_register

    return await handle_register(req, client)
