"""The Product Ingestion client: a job's status, and its cancel - sent once, never retried after it may have left.

It stands on the shared HTTP pieces (`backends.http`: urllib3's retry policy - a POST is retried only on connect
errors, before a byte was sent -, capped bodies, no redirects, no environment proxies, the typed `ApiError`s), so
the cancel path and the watcher treat every backend's failures alike, and on nothing of the CPP's. Its fence is its
own: the session's adapter refuses a request carrying `Authorization` anywhere but INGESTION_BASE_URL's origin *and*
path (`urlguard.ensure_ingestion_url`); its token comes from its own provider (`token_provider_from_settings`:
INGESTION_ACCESS_TOKEN or the identity's Microsoft Graph token), and its timeouts and retries are its own
(INGESTION_CONNECT_TIMEOUT_S, ...).

The one answer with a meaning of its own is the too-late refusal: HTTP 400 "Cannot cancel job, job has already
completed." is raised as `JobAlreadyCompleted` - not an error of the app, and nothing to retry.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from backends.http import errors, tokens, transport
from backends.http.client import ApiClient, Endpoint
from backends.http.tokens import TokenProvider
from backends.http.transport import error_details, parse_retry_after
from backends.ingestion import urlguard
from backends.ingestion.models import ConfigureStatus

if TYPE_CHECKING:
    from cppcancel.settings import Settings

DEFAULT_API_VERSION = "2022-03-01-preview2"
TOO_LATE_TEXT = "already completed"


SERVICE = urlguard.SERVICE  # who this client's error messages name


@functools.cache
def token_provider_from_settings(settings: Settings) -> TokenProvider:
    """The Product Ingestion API's token: INGESTION_ACCESS_TOKEN when set (local runs), else the configured identity
    for INGESTION_TOKEN_SCOPE (Microsoft Graph) - a provider of its own, never the CPP's."""
    scope = settings.ingestion_token_scope
    return tokens.for_api(settings, settings.ingestion_access_token, "INGESTION_ACCESS_TOKEN", scope)


class JobAlreadyCompleted(errors.ApiError):
    """400 "Cannot cancel job, job has already completed.": too late to cancel; the job's result says how it ended."""

    code = "already_completed"


class IngestionPinnedAdapter(transport.OriginPinnedAdapter):
    """The origin-pinned adapter, pinned to the ingestion path as well."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if "Authorization" in request.headers:
            urlguard.ensure_ingestion_url(self._base_url, request.url or "")
        return super().send(request, *args, **kwargs)


class IngestionClient(ApiClient):
    """A client for one INGESTION_BASE_URL and one identity; no per-call state (shareable between threads)."""

    service = SERVICE
    tag = "Ingestion"
    default_api_version = DEFAULT_API_VERSION
    adapter = IngestionPinnedAdapter

    @classmethod
    def endpoint(cls, settings: Settings) -> Endpoint:
        """Its own limits (INGESTION_CONNECT_TIMEOUT_S, ...): a watcher's status reads pass none with no retries,
        since they keep the job's one-read-a-minute pace, and the watcher tries again at that pace instead."""
        return Endpoint(
            settings.ingestion_base_url,
            settings.ingestion_api_version,
            settings.ingestion_limits,
            lambda: token_provider_from_settings(settings),
        )

    # -- public API ------------------------------------------------------------------------------------------------

    def status_url(self, job_id: str) -> str:
        """What the watcher follows (with `$version`, as every call carries it)."""
        return f"{urlguard.job_url(self.base_url, job_id, 'status')}?$version={self.api_version}"

    def get_status(self, job_id: str) -> ConfigureStatus:
        """GET configure/{jobId}/status (a safe read: retried on connection errors, 429 and 5xx)."""
        exchange = self._send("GET", urlguard.job_url(self.base_url, job_id, "status"), f"the status of job {job_id}")
        return self._status(exchange, "the job's status")

    def poll(self, url: str) -> tuple[ConfigureStatus, float | None]:
        """GET a stored status URL (checked again: it comes from durable state), with the answer's Retry-After."""
        job_id = urlguard.job_of_status_url(self.base_url, url)
        exchange = self._send("GET", urlguard.job_url(self.base_url, job_id, "status"), f"the status of job {job_id}")
        return self._status(exchange, "the job's status"), parse_retry_after(exchange.headers.get("Retry-After"))

    def cancel(self, job_id: str) -> ConfigureStatus:
        """POST configure/{jobId}/cancel once (no body). The answer is the job's status: `completed`/`cancelled`
        when done, else under way. Raises JobAlreadyCompleted when it was too late."""
        what = f"the cancel of job {job_id}"
        exchange = self._send("POST", urlguard.job_url(self.base_url, job_id, "cancel"), what, is_cancel=True)
        if not exchange.body.strip():  # the docs show a body; an empty one still means the cancel was taken
            return ConfigureStatus.from_json({"jobId": job_id, "jobStatus": "running", "jobResult": "pending"})
        return self._status(exchange, "the cancel")

    # -- plumbing --------------------------------------------------------------------------------------------------

    def _status(self, exchange: transport.Exchange, what: str) -> ConfigureStatus:
        try:
            return ConfigureStatus.from_json(json.loads(exchange.body))
        except ValueError:
            raise errors.MalformedResponse(
                f"The Product Ingestion API answered {what} with something that is not a configure status.",
                status_code=exchange.status_code,
            ) from None

    def _send(self, method: str, url: str, what: str, *, is_cancel: bool = False) -> transport.Exchange:
        urlguard.ensure_ingestion_url(self.base_url, url)  # before the token is even fetched
        hint = "The cancel may or may not have been taken: check the job's status before trying again."
        exchange = self._exchange(
            method,
            f"{url}?$version={quote(self.api_version, safe='-._')}",  # `$` unencoded, as the docs write it
            unknown_outcome_hint=hint if is_cancel else None,
        )
        if not 200 <= exchange.status_code < 300:
            raise self._error_for(exchange, what, is_cancel)
        return exchange

    def _error_for(self, exchange: transport.Exchange, what: str, is_cancel: bool) -> errors.ApiError:
        status = exchange.status_code
        code, message = error_details(exchange.body)
        extra: dict[str, Any] = {"status_code": status, "api_code": code, "api_message": message, "service": SERVICE}
        retry_after = parse_retry_after(exchange.headers.get("Retry-After"))
        if status == 400 and is_cancel and message and TOO_LATE_TEXT in message.lower():
            too_late = "Too late: the job had already completed, so it could not be cancelled."
            return JobAlreadyCompleted(too_late, **extra)
        by_status: Mapping[int, tuple[type[errors.ApiError], str]] = {
            400: (errors.InvalidRequest, f"The Product Ingestion API refused {what} as a bad request."),
            401: (errors.Unauthorized, "The Product Ingestion API did not accept the token (Graph audience)."),
            403: (
                errors.Forbidden,
                "This app's identity may not do that in Partner Center: add its Entra application with the Manager "
                "role (Account settings > Microsoft Entra applications).",
            ),
            404: (errors.NotFound, f"The Product Ingestion API found nothing for {what}: check the job ID."),
            409: (errors.Conflict, f"The Product Ingestion API refused {what} because of the job's state."),
            429: (errors.Throttled, f"The Product Ingestion API is throttling requests; try {what} again later."),
        }
        if status in by_status:
            kind, text = by_status[status]
            return kind(text, retry_after_s=retry_after, **extra)
        if status >= 500:
            hint = " The cancel may or may not have been taken: check the job's status." if is_cancel else ""
            return errors.ServerError(
                f"The Product Ingestion API failed with a server error on {what}.{hint}",
                retry_after_s=retry_after,
                outcome_unknown=is_cancel,
                **extra,
            )
        if 300 <= status < 400:
            return errors.InvalidResponse(f"The Product Ingestion API redirected {what}; redirects are never followed.")
        return errors.InvalidRequest(f"The Product Ingestion API refused {what} (HTTP {status}).", **extra)
