"""The second backend: Partner Center's Product Ingestion API (Microsoft Graph), whose configure jobs can be cancelled.

Newer offers are published through `POST configure`, which answers with a job ID; `POST configure/{jobId}/cancel`
cancels the job and `GET configure/{jobId}/status` follows it. No documented endpoint lists jobs, so only a job ID
that someone hands the app (a Slack `job=`, a webhook `jobId`, a registered job) can be cancelled.

- `models.py`: the configure-status object, parsed tolerantly (pure), and its view as a watchable `Operation`.
- `urlguard.py`: job IDs, and which URLs the Graph token may go to (INGESTION_BASE_URL's origin and path only).
- `client.py`: the HTTP client (the CPP client's transport, pinned to that origin and path).

Its local stand-in (the documented shapes, for tests, the dev host and the demo) is `devhost.standins.ingestion`.
"""
