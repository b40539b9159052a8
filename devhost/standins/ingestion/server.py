"""The stand-in as a server: its configure-job API over the shared loopback stand-in server, which records every
request it receives.

Real sockets, so the client's transport (retries, timeouts, the pinned adapter) runs exactly as against Graph.
`hold(...)` keeps the next matching request in flight for a while *before* acting on it - a host that dies meanwhile
cannot know the stand-in then took it (the restart tests' worst moment). Control endpoints under `/_standin/` need
no token (loopback only) and are not recorded.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devhost.standins.ingestion.state import TOO_LATE_MESSAGE, Job, job_from_json
from devhost.standins.server import Control, ErrorCodes, Reply, StandInRequest, StandInServer, json_reply

DEFAULT_TOKEN = "local-ingestion-token"  # noqa: S105 - a fixed token only the local stand-in accepts
API_PATH = "/rp/product-ingestion"
VERSIONS = frozenset({"2022-03-01-preview2", "2022-07-01"})


@dataclass
class _Hold:
    method: str
    path_suffix: str
    latency_s: float


class IngestionStandIn(StandInServer):
    """`with IngestionStandIn() as api:` - jobs through `add_job`, what came through `requests`/`cancel_count`."""

    title = "Product Ingestion stand-in"
    base_path = API_PATH
    max_body_bytes = 65536
    records_tokens = True
    error_codes = ErrorCodes("badRequest", "notFound", "requestEntityTooLarge", "internalServerError")

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = DEFAULT_TOKEN) -> None:
        super().__init__(host, port, token=token)
        self.token: str = token
        self._jobs: dict[str, Job] = {}
        self._holds: list[_Hold] = []

    # -- steering ----------------------------------------------------------------------------------------------------
    def add_job(self, job_id: str, **options: Any) -> Job:
        job = Job(job_id, **options)
        with self._lock:
            self._jobs[job_id.lower()] = job
        return job

    def job(self, job_id: str) -> Job:
        with self._lock:
            return self._jobs[job_id.lower()]

    def hold(self, method: str, path_suffix: str, latency_s: float) -> None:
        """Hold the next `method` request whose path ends with `path_suffix` for `latency_s`, then act on it."""
        with self._lock:
            self._holds.append(_Hold(method, path_suffix, latency_s))

    def holding(self) -> int:
        with self._lock:
            return len(self._holds)

    def reset(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._holds.clear()
            self.clear_requests()

    def cancel_count(self, job_id: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if r.method == "POST" and r.path.endswith("/cancel") and (job_id is None or f"/{job_id}/" in r.path)
        )

    # -- serving -----------------------------------------------------------------------------------------------------
    def error_reply(self, status: int, code: str, message: str) -> Reply:
        return json_reply(status, {"error": {"code": code, "message": message, "details": []}})

    def answer(self, request: StandInRequest) -> Reply:
        with self._lock:
            hold = next(
                (h for h in self._holds if h.method == request.method and request.path.endswith(h.path_suffix)), None
            )
            if hold is not None:
                self._holds.remove(hold)
        if hold is not None:
            time.sleep(hold.latency_s)
        if request.bearer != self.token:
            return self.error_reply(401, "unauthorized", "Missing or invalid bearer token.")
        if request.query.get("$version") not in VERSIONS:
            return self.error_reply(
                400, "badRequest", "The $version query parameter is missing or not a known schema version."
            )
        return self._api(request.method, request.path)

    def _api(self, method: str, path: str) -> Reply:
        segments = path.removeprefix(API_PATH).split("/")
        if len(segments) != 4 or segments[1] != "configure" or segments[3] not in ("status", "cancel"):
            return self.error_reply(404, "notFound", "No such resource.")
        action = segments[3]
        if (method, action) not in (("GET", "status"), ("POST", "cancel")):
            return self.error_reply(405, "methodNotAllowed", "Method not allowed.")
        with self._lock:
            job = self._jobs.get(segments[2].lower())
            if job is None:
                return self.error_reply(404, "notFound", f"Job {segments[2]} was not found.")
            if action == "status":
                return json_reply(200, job.read())
            answer = job.cancel()
        if answer is None:
            return self.error_reply(400, "badRequest", TOO_LATE_MESSAGE)
        return json_reply(200, answer)

    def controls(self) -> Mapping[tuple[str, str], Control]:
        return {("POST", "jobs"): self._put_job, ("GET", "requests"): self._requests_seen}

    def _put_job(self, data: Any) -> Reply:
        job = job_from_json(data or {})
        with self._lock:
            self._jobs[job.job_id.lower()] = job
        return json_reply(200, job.body())

    def _requests_seen(self, data: Any) -> Reply:
        seen = [{"method": r.method, "path": r.path, "hasToken": r.token is not None} for r in self.requests]
        return json_reply(200, {"requests": seen})
