"""The watcher's read of a Product Ingestion configure job (`poll_job`): its status, as the watcher's `Operation`.

Like `poll_operation`, it never raises for an API error: it returns it as error JSON (`transient` says whether
trying again can help), so the watcher backs off on durable timers. The URL comes from durable state, so the client
checks it again (INGESTION_BASE_URL's origin and path, `configure/{jobId}/status`) before the token goes anywhere.
"""

from __future__ import annotations

import logging
from typing import Any

from cppcancel.error_info import ErrorInfo
from cppcancel.settings import SettingsError, get_settings
from partner_portal.errors import CppError
from poll_function.blueprint import activity
from poll_function.payloads import PollResult, load

log = logging.getLogger(__name__)


@activity
def poll_job(payload: Any) -> dict[str, Any]:
    """GET the job's status once. Input `{"operationUrl": status URL, "jobId"}`; output `PollResult` JSON."""
    from product_ingestion.client import IngestionClient

    url = str(load(payload).get("operationUrl") or "")
    try:
        client = IngestionClient.from_settings(get_settings())
    except (SettingsError, ValueError) as exc:
        return PollResult(False, error=ErrorInfo("settings", str(exc))).to_json()
    try:
        status, retry_after = client.poll(url)
    except CppError as exc:
        log.warning("job status poll failed: %s", exc.describe())
        return PollResult(False, error=exc.error_info(), retry_after_s=exc.retry_after_s).to_json()
    finally:
        client.close()
    return PollResult(True, status.as_operation(), retry_after).to_json()
