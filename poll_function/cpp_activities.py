"""The watcher's activities that read settings and the Cloud Partner Portal (orchestrators must do neither).

`poll_operation` never raises for a CPP error: it returns it as error JSON (`transient` says whether trying again
can help), so the watcher decides - with durable timers and Retry-After - instead of a blind activity retry.
"""

from __future__ import annotations

import logging
from typing import Any

from cppcancel.error_info import ErrorInfo
from cppcancel.schedule import ScheduleParams
from cppcancel.settings import SettingsError, get_settings
from partner_portal.errors import CppError
from poll_function.payloads import PollResult, load

log = logging.getLogger(__name__)


def load_watch_params(payload: Any) -> dict[str, Any]:
    """The watch's schedule parameters from settings, read once per watch (see watch_orchestrator)."""
    return ScheduleParams.from_settings(get_settings()).to_json()


def poll_operation(payload: Any) -> dict[str, Any]:
    """GET the operation once. Input `{"operationUrl": ...}`; output `PollResult` JSON."""
    from partner_portal.client import CppClient  # requests: loaded when a poll runs, not when the app is indexed

    url = str(load(payload).get("operationUrl") or "")
    try:
        client = CppClient.from_settings(get_settings())
    except SettingsError as exc:
        return PollResult(False, error=ErrorInfo("settings", str(exc))).to_json()
    try:
        poll = client.poll_operation(url)
    except CppError as exc:
        log.warning("operation poll failed: %s", exc.describe())
        return PollResult(False, error=exc.error_info(), retry_after_s=exc.retry_after_s).to_json()
    finally:
        client.close()
    return PollResult(True, poll.operation, poll.retry_after_s).to_json()
