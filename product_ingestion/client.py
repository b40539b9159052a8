"""The Product Ingestion client: a job's status, and its cancel - sent once, never retried after it may have left.

It reuses the CPP client's transport (urllib3's retry policy: a POST is retried only on connect errors, before a
byte was sent; bodies capped; no redirects; no environment proxies) and its typed errors, so the cancel path and the
watcher treat both backends' failures alike. What differs is the fence: the session's adapter refuses a request
carrying `Authorization` anywhere but INGESTION_BASE_URL's origin *and* path (`urlguard.ensure_ingestion_url`), and
the token comes from its own provider (`ingestion_token_provider_from_settings`), never the CPP's.

The one answer with a meaning of its own is the too-late refusal: HTTP 400 "Cannot cancel job, job has already
completed." is raised as `JobAlreadyCompleted` - not an error of the app, and nothing to retry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from partner_portal import errors, transport
from partner_portal.client import _checked_base_url, error_details, parse_retry_after
from partner_portal.tokens import TokenProvider, ingestion_token_provider_from_settings
from product_ingestion import urlguard
from product_ingestion.models import ConfigureStatus

if TYPE_CHECKING:
    from cppcancel.settings import Settings

DEFAULT_API_VERSION = "2022-03-01-preview2"
TOO_LATE_TEXT = "already completed"


SERVICE = "the Product Ingestion API"  # who this client's error messages name


class JobAlreadyCompleted(errors.CppError):
    """400 "Cannot cancel job, job has already completed.": too late to cancel; the job's result says how it ended."""

    code = "already_completed"


class IngestionPinnedAdapter(transport.OriginPinnedAdapter):
    """The CPP's origin-pinned adapter, pinned to the ingestion path as well."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if "Authorization" in request.headers:
            urlguard.ensure_ingestion_url(self._base_url, request.url or "")
        return super().send(request, *args, **kwargs)


def _session(base_url: str, max_retries: int, backoff_factor: float, max_retry_after_s: float) -> requests.Session:
    retry = transport.build_retry(max_retries, backoff_factor=backoff_factor, max_retry_after_s=max_retry_after_s)
    return transport.build_session(base_url, retry, adapter=IngestionPinnedAdapter)


class IngestionClient:
    """A client for one INGESTION_BASE_URL and one identity; no per-call state (shareable between threads)."""

    def __init__(
        self,
        base_url: str,
        token_provider: TokenProvider,
        *,
        api_version: str = DEFAULT_API_VERSION,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 4,
        backoff_factor: float = 0.5,
        max_retry_after_s: float = 30.0,
    ) -> None:
        self.base_url = _checked_base_url(base_url)
        self.api_version = api_version
        self._tokens = token_provider
        self._timeout = timeout
        self._session = _session(self.base_url, max_retries, backoff_factor, max_retry_after_s)

    def __repr__(self) -> str:
        return f"IngestionClient(base_url={self.base_url!r}, api_version={self.api_version!r})"

    @classmethod
    def from_settings(
        cls, settings: Settings, token_provider: TokenProvider | None = None, *, max_retries: int | None = None
    ) -> IngestionClient:
        """`max_retries` (default CPP_MAX_RETRIES): 0 for a watcher's status reads, which must keep the job's
        one-read-a-minute pace - the watcher tries again at that pace instead."""
        return cls(
            settings.ingestion_base_url,
            token_provider or ingestion_token_provider_from_settings(settings),
            api_version=settings.ingestion_api_version,
            timeout=settings.cpp_timeout,
            max_retries=settings.cpp_max_retries if max_retries is None else max_retries,
        )

    def close(self) -> None:
        self._session.close()

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
        headers = {"Authorization": f"Bearer {self._tokens.get_token()}"}
        hint = "The cancel may or may not have been taken: check the job's status before trying again."
        exchange = transport.send(
            self._session,
            method,
            f"{url}?$version={quote(self.api_version, safe='-._')}",  # `$` unencoded, as the docs write it
            headers=headers,
            timeout=self._timeout,
            unknown_outcome_hint=hint if is_cancel else None,
            service=SERVICE,
        )
        if not 200 <= exchange.status_code < 300:
            raise self._error_for(exchange, what, is_cancel)
        return exchange

    def _error_for(self, exchange: transport.Exchange, what: str, is_cancel: bool) -> errors.CppError:
        status = exchange.status_code
        code, message = error_details(exchange.body)
        extra: dict[str, Any] = {"status_code": status, "api_code": code, "api_message": message, "service": SERVICE}
        retry_after = parse_retry_after(exchange.headers.get("Retry-After"))
        if status == 400 and is_cancel and message and TOO_LATE_TEXT in message.lower():
            too_late = "Too late: the job had already completed, so it could not be cancelled."
            return JobAlreadyCompleted(too_late, **extra)
        by_status: Mapping[int, tuple[type[errors.CppError], str]] = {
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
