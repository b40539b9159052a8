"""The watcher's reading activities: `load_watch_params` (settings, which orchestrators must not read) and the one
poll read - registered under each backend's activity name (`poll_operation`, `poll_job`, `poll_submission`:
histories call them by name), and answered by that backend's `follow` (`backends.base`).

A poll never raises for an API error: the backend returns it as error JSON (`transient` says whether trying again
can help), so the watcher decides - with durable timers and Retry-After - instead of a blind activity retry. The
backends (and their HTTP clients) load when a poll runs, not when the app is indexed.
"""

from __future__ import annotations

from typing import Any

from backends.base import PollResult
from cppcancel.error_info import ErrorInfo
from cppcancel.jsonread import json_object
from cppcancel.schedule import ScheduleParams
from cppcancel.settings import SettingsError, get_settings
from poll_function.names import POLL_JOB, POLL_OPERATION, POLL_SUBMISSION


def load_watch_params(payload: Any) -> dict[str, Any]:
    """The watch's schedule parameters from settings, read once per watch (see watch_orchestrator)."""
    return ScheduleParams.from_settings(get_settings()).to_json()


def poll(activity: str, payload: Any) -> dict[str, Any]:
    """One read by the backend whose poll activity `activity` is. Output `PollResult` JSON."""
    from backends.registry import backend_polled_by

    try:
        settings = get_settings()
    except SettingsError as exc:
        return PollResult(False, error=ErrorInfo("settings", str(exc))).to_json()
    return backend_polled_by(activity).follow(settings, json_object(payload)).to_json()


def poll_operation(payload: Any) -> dict[str, Any]:
    """Input `{"operationUrl": ...}`: a Cloud Partner Portal operation."""
    return poll(POLL_OPERATION, payload)


def poll_job(payload: Any) -> dict[str, Any]:
    """Input `{"operationUrl": status URL, "jobId", "watcher", "answeredAt"}`: a configure job, at its shared pace."""
    return poll(POLL_JOB, payload)


def poll_submission(payload: Any) -> dict[str, Any]:
    """Input `{"operationUrl": the submission's URL, "submissionId"}`: an Azure Application submission's cancel."""
    return poll(POLL_SUBMISSION, payload)
