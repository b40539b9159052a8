"""Reading a Product Ingestion configure job inside a Slack request: short timeouts, no retries, Slack's deadline.

The same budget as `slack_app.offers` (the CPP read): a person can retry, a Slack timeout helps nobody. The client
is imported and built on first use only - most Slack requests never touch a job, and cold start matters.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from cppcancel.settings import Settings
from slack_app import offers

if TYPE_CHECKING:
    from backends.ingestion.client import IngestionClient
    from backends.ingestion.models import ConfigureStatus


@functools.lru_cache(maxsize=4)
def interactive_client(settings: Settings) -> IngestionClient:
    """The app's one ingestion token provider, with the interactive timeouts and no retries."""
    from backends.ingestion.client import IngestionClient

    quick = settings.ingestion_limits.quick(offers.CPP_CONNECT_TIMEOUT_S, offers.CPP_READ_TIMEOUT_S)
    return IngestionClient.from_settings(settings, limits=quick)


def read_job(settings: Settings, job_id: str, *, deadline: float | None = None) -> ConfigureStatus:
    """`GET configure/{jobId}/status` within the request's deadline (a ApiError when it fails or takes too long)."""
    import time

    client = interactive_client(settings)
    budget_end = time.monotonic() + offers.CPP_BUDGET_S
    end = budget_end if deadline is None else min(deadline, budget_end)
    return offers.within(end, lambda: client.get_status(job_id))
