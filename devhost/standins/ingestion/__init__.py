"""A local stand-in for the Product Ingestion API's configure jobs, over real loopback HTTP (tests, dev host, demo).

Only the documented shapes: `GET configure/{jobId}/status` answers the configure-status object (`jobId`,
`jobStatus`, `jobResult`, `jobStart`, `jobEnd`, `errors`); `POST configure/{jobId}/cancel` answers the same object,
or HTTP 400 `{"error": {"code": "badRequest", "message": "Cannot cancel job, job has already completed.",
"details": []}}` once the job has completed. Every call needs `$version` and the stand-in's bearer token. There is no
endpoint that lists jobs (the API has none): a test or the dev host adds jobs through `add_job` or the control
endpoint `POST /_standin/jobs`.

    with IngestionStandIn() as api:
        api.add_job("d4261631-...", cancel_after_reads=3)   # the cancel is under way until 3 more status reads
        api.base_url, api.token, api.cancel_count("d4261631-...")

- server.py: `IngestionStandIn`, the configure-job API on the shared stand-in server, `hold` and the control endpoints.
- state.py: the jobs and how they move (on status reads, not on a clock): pure.
"""

from devhost.standins.ingestion.server import DEFAULT_TOKEN, IngestionStandIn
from devhost.standins.ingestion.state import TOO_LATE_MESSAGE, Job
from devhost.standins.server import RecordedRequest

__all__ = ["DEFAULT_TOKEN", "TOO_LATE_MESSAGE", "IngestionStandIn", "Job", "RecordedRequest"]
