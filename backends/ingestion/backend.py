"""Partner Center's Product Ingestion API as a `backends.base.Backend`: one configure job (`JobTarget`).

The cancel is `POST configure/{jobId}/cancel`; its answer is the job's status: `completed`/`cancelled` is done
(`cancelled`, as a CPP 200), still running or pending is under way (`accepted`, and the watcher follows
`configure/{jobId}/status`). The documented too-late 400 ("Cannot cancel job, job has already completed.") is
`TooLate`, with how the job ended read from its status - never a failure that invites a retry. The reachability read
before the POST is the job's status. The HTTP client is imported when a cancel or a read runs.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backends.base import Asker, ClientSender, Look, PollResult, Refusal, Running
from backends.http import errors
from backends.http.within import within
from backends.ingestion import access, registrations
from backends.ingestion.urlguard import SERVICE, job_url
from cppcancel.error_info import ErrorInfo
from cppcancel.targets import JobTarget
from record_store.jobs import NOT_FOUND_STATUS

if TYPE_CHECKING:
    from backends.base import Backend
    from backends.ingestion.client import IngestionClient
    from backends.ingestion.models import ConfigureStatus
    from cppcancel.contracts import CancelRequest, WatchRequest
    from cppcancel.sending import Answer, Failed, Posted, Sent, TooLate
    from cppcancel.settings import Settings
    from cppcancel.targets import Target

log = logging.getLogger(__name__)

TOO_LATE = (
    "Too late: configure job {job} had already completed ({result}), so nothing was cancelled. This is not an "
    "error of the app: sending the cancel again cannot change it."
)


def job_of(target: Target) -> JobTarget:
    """The target as this backend's own (the registry only hands it job targets)."""
    if not isinstance(target, JobTarget):
        raise TypeError(f"the Product Ingestion backend cancels configure jobs, not {target!r}")
    return target


def status_url(settings: Settings, target: Target) -> str:
    """What a job's watcher follows (the same URL the client builds; no client needed)."""
    job = job_of(target).job_id
    return f"{job_url(settings.ingestion_base_url, job, 'status')}?$version={settings.ingestion_api_version}"


def too_late(job: str, ended: str | None) -> TooLate:
    # not on a slash command's ack path (cold start)
    from cppcancel.sending import TooLate

    return TooLate(TOO_LATE.format(job=job, result=ended or "its result could not be read"), job, ended)


def _answer(result: Sent | Failed | TooLate) -> Answer:
    """What the record keeps of the job cancel's answer."""
    # not on a slash command's ack path (cold start)
    from cppcancel.sending import Answer, Sent

    if isinstance(result, Sent):
        return Answer(result.outcome, result.status_code, result.operation_url)
    return Answer("failed", result.status_code, message=result.message)


class IngestionSender(ClientSender):
    """One cancel of one configure job on one Product Ingestion session."""

    def __init__(self, settings: Settings, target: Target) -> None:
        from backends.ingestion.client import IngestionClient

        self._job = job_of(target).job_id
        self._client: IngestionClient = IngestionClient.from_settings(settings)
        super().__init__(self._client)

    def reachable(self) -> ErrorInfo | None:
        """As for the CPP: only "could not connect at all" stops the POST (any answer means the API is there)."""
        try:
            self._client.get_status(self._job)
        except errors.ApiError as exc:
            if exc.code == "connection_error" and not exc.outcome_unknown:
                return exc.error_info()
        return None

    def post(self, request: CancelRequest) -> Posted:
        from backends.ingestion.client import JobAlreadyCompleted
        from cppcancel.sending import Failed, Posted

        result: Sent | Failed | TooLate
        try:
            result = self._result(self._client.cancel(self._job))
        except JobAlreadyCompleted:
            result = too_late(self._job, self._ended())
        except errors.ApiError as exc:
            result = Failed(exc.error_info())
        return Posted(result, _answer(result))

    def _result(self, status: ConfigureStatus) -> Sent | TooLate:
        # not on a slash command's ack path (cold start)
        from cppcancel.sending import Sent

        if status.is_cancelled:
            return Sent("cancelled", 200)
        if status.is_completed:  # completed some other way before the cancel took: as too late as the 400 says
            return too_late(self._job, status.words)
        return Sent("accepted", 200, self._client.status_url(self._job))

    def _ended(self) -> str | None:
        """How a completed job ended, in the API's words (`completed (succeeded)`), or None when it cannot be read."""
        try:
            return self._client.get_status(self._job).words
        except errors.ApiError as exc:
            log.info("the status of job %s could not be read after a too-late cancel: %s", self._job, exc.code)
            return None


INTERACTIVE_TIMEOUT_S = (1.0, 1.8)  # connect, read: within a request a person waits for (Slack's 3 s)


@functools.lru_cache(maxsize=4)
def _interactive(settings: Settings) -> IngestionClient:
    """The app's one ingestion token provider, with the interactive timeouts and no retries."""
    from backends.ingestion.client import IngestionClient

    return IngestionClient.from_settings(settings, limits=settings.ingestion_limits.quick(*INTERACTIVE_TIMEOUT_S))


def _read_status(settings: Settings, job: str, deadline: float | None) -> ConfigureStatus:
    """`GET configure/{jobId}/status`: within `deadline` on the interactive client, else with the API's own limits."""
    if deadline is not None:
        client = _interactive(settings)
        return within(deadline, lambda: client.get_status(job), SERVICE)
    from backends.ingestion.client import IngestionClient

    full = IngestionClient.from_settings(settings)
    try:
        return full.get_status(job)
    finally:
        full.close()


class IngestionBackend:
    """The Product Ingestion API (preview): SaaS, VM, container and private offers, by their configure jobs."""

    service = SERVICE

    def sender(self, settings: Settings, target: Target) -> IngestionSender:
        return IngestionSender(settings, target)

    def to_follow(self, settings: Settings, target: Target) -> str | None:
        """A job is followed by its status URL: nothing to look up."""
        return status_url(settings, target)

    # -- reading, for the chats --------------------------------------------------------------------------------------

    def look(self, settings: Settings, target: Target, *, deadline: float | None = None) -> Look:
        """The job's status. A registered job seen ended - completed, or unknown to the API - is no longer offered."""
        job = job_of(target)
        try:
            status = _read_status(settings, job.job_id, deadline)
        except errors.NotFound:
            registrations.forget_ended(settings, job, NOT_FOUND_STATUS, state="not_found")
            raise
        if status.is_completed:
            registrations.forget_ended(settings, job, status.words)
        return Look(status.as_operation(), ended=status.is_completed)

    def running(self, settings: Settings, publisher_id: str, offer_id: str) -> list[Running]:
        return registrations.running(settings, publisher_id, offer_id)

    def offer_claim(self, settings: Settings, publisher_id: str, offer_id: str) -> list[Running] | None:
        """The API cannot list an offer's jobs: naming the offer alone never means a job here (the webhook names it)."""
        return None

    def refusal(self, settings: Settings, target: Target, asker: Asker) -> Refusal | None:
        return access.refusal(settings, job_of(target), asker)

    # -- watching ------------------------------------------------------------------------------------------------------

    poll_activity = "poll_job"

    def poll_input(self, watch: WatchRequest) -> dict[str, Any]:
        """The job, this watcher (so the job's shared pace knows who read), and for a cancel's watcher when the
        cancel was answered (its first read counts from there; `started_at` is set right after)."""
        data: dict[str, Any] = {"operationUrl": watch.operation_url, "jobId": job_of(watch.target).job_id}
        data["watcher"] = watch.instance_id
        if not watch.registered:
            data["answeredAt"] = watch.started_at
        return data

    def follow(self, settings: Settings, data: Mapping[str, Any]) -> PollResult:
        from backends.ingestion import pace  # the shared read pace loads with the watchers, not on a chat's ack path

        return pace.poll(settings, data)

    def watch_ended(self, settings: Settings, watch: WatchRequest, ending: Mapping[str, Any]) -> None:
        registrations.watch_ended(settings, job_of(watch.target), ending)


BACKEND: Backend = IngestionBackend()
