"""The watcher's read of a Product Ingestion configure job (`poll_job`): its status, as the watcher's `Operation`.

Like `poll_operation`, it never raises for an API error: it returns it as error JSON (`transient` says whether
trying again can help), so the watcher backs off on durable timers. The URL comes from durable state, so the client
checks it again (INGESTION_BASE_URL's origin and path, `configure/{jobId}/status`) before the token goes anywhere.

The read keeps the job's shared pace (`job_pace`: at most one read per INGESTION_MIN_POLL_INTERVAL_S, whoever
watches the job). A record store that cannot be reached means no read (a transient error: the watcher tries again
later), and the client itself does not retry a read: the watcher does, at the job's pace.
"""

from __future__ import annotations

from typing import Any

from cppcancel.error_info import NOT_RECORDED, ErrorInfo
from cppcancel.settings import SettingsError, get_settings
from cppcancel.times import parse_iso, utc_now
from poll_function.payloads import PollResult, load


def poll_job(payload: Any) -> dict[str, Any]:
    """GET the job's status once, at the job's shared pace. Input `{"operationUrl": status URL, "jobId", "watcher",
    "answeredAt"}` (the last two: who reads, and for a cancel's watcher when the cancel answered); output
    `PollResult` JSON."""
    # The HTTP client (requests) and the store's backends load when a poll runs, not when the app is indexed.
    from poll_function.job_pace import JobPoll, paced_poll
    from product_ingestion.client import IngestionClient
    from record_store.base import StoreUnavailable
    from record_store.factory import record_store

    data = load(payload)
    url, answered = str(data.get("operationUrl") or ""), data.get("answeredAt")
    try:
        settings = get_settings()
        client = IngestionClient.from_settings(settings, max_retries=0)
    except (SettingsError, ValueError) as exc:
        return PollResult(False, error=ErrorInfo("settings", str(exc))).to_json()
    poll = JobPoll(
        job_id=str(data.get("jobId") or ""),
        reader=str(data.get("watcher") or url),
        floor_s=settings.ingestion_min_poll_interval_s,
        answered_at=parse_iso(answered) if isinstance(answered, str) else None,
    )
    try:
        return paced_poll(record_store(settings), poll, utc_now(), lambda: client.poll(url)).to_json()
    except StoreUnavailable as exc:
        message = f"The job's shared read schedule could not be checked, so it was not read: {exc}"
        return PollResult(False, error=ErrorInfo(NOT_RECORDED, message, transient=True)).to_json()
    finally:
        client.close()
