"""The second backend: Partner Center's Product Ingestion API (Microsoft Graph), whose configure jobs can be cancelled.

Newer offers are published through `POST configure`, which answers with a job ID; `POST configure/{jobId}/cancel`
cancels the job and `GET configure/{jobId}/status` follows it. No documented endpoint lists jobs, so only a job ID
that someone hands the app (a Slack `job=`, a webhook `jobId`, a registered job) can be cancelled.

- `backend.py`: `BACKEND`, the API behind `backends.base.Backend`. `words.py`: `WORDING`, what a person reads.
- `models.py`: the configure-status object, parsed tolerantly (pure), and its view as a watchable `Operation`.
- `urlguard.py`: job IDs, and which URLs the Graph token may go to (INGESTION_BASE_URL's origin and path only).
- `client.py`: the HTTP client (on `backends.http`, pinned to that origin and path).
- `access.py`: may a job be acted on under the offer a caller names (pure); `registrations.py`: the registered jobs.
- `pace.py`: one read a minute per job, shared by every watcher of it.

Its local stand-in (the documented shapes, for tests, the dev host and the demo) is `devhost.standins.ingestion`.
"""
