"""The HTTP layer under every backend's client: one `requests.Session`, urllib3's retry policy, and the token's fence.

Why each piece is here:

- Retries are urllib3's `Retry` (exponential backoff with jitter, Retry-After honoured), not a hand-written loop.
  Which requests it retries is the whole point, see `build_retry`.
- A Retry-After longer than `max_retry_after_s` is *not* slept through: the 429/503 is handed back so the caller
  raises Throttled/ServerError with `retry_after_s`, and a durable timer waits instead of a Functions worker.
- `OriginPinnedAdapter` refuses to put a request carrying `Authorization` on the wire to any origin but its API's
  (a backend may pin the path too): a second line behind the client's own checks, in case some future code path
  builds a URL carelessly.
- `trust_env = False`: no proxy settings, `.netrc` credentials or CA-bundle overrides are picked up from the
  environment of whatever host runs us.
- Bodies are read with a size cap, so a broken or hostile answer cannot exhaust a worker's memory.

Also here, because every API answers in the same HTTP terms: `parse_retry_after`, `error_details` (the code and
message of an error body, in whatever shape the API chose) and `checked_base_url` (a base URL a token may go to).
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import InvalidHeader, MaxRetryError, NewConnectionError, ReadTimeoutError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from backends.http.errors import ApiConnectionError, ApiError, ApiTimeout, InvalidResponse
from backends.http.urlguard import ensure_same_origin
from cppcancel.envread import is_loopback_host

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BODY_BYTES = 4 * 1024 * 1024
USER_AGENT = "cppcancel/0.1 (+python-requests)"


class CappedRetry(Retry):
    """urllib3's Retry, except that a Retry-After above `max_retry_after_s` ends the retries at once.

    The response is then returned as is (raise_on_status=False), so the caller sees the 429/503 and its Retry-After
    and can schedule a durable timer rather than block a worker for minutes. An unparseable Retry-After is ignored
    (plain backoff) rather than turned into an exception.
    """

    def __init__(self, *args: Any, max_retry_after_s: float = 30.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after_s = max_retry_after_s

    def new(self, **kw: Any) -> Self:
        kw.setdefault("max_retry_after_s", self.max_retry_after_s)
        return super().new(**kw)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_retry_after_s:
                reason = ResponseError(f"Retry-After {wait:g} s is longer than the client waits on its own")
                raise MaxRetryError(cast(ConnectionPool, _pool), url, reason)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def build_retry(max_retries: int, *, backoff_factor: float, max_retry_after_s: float) -> CappedRetry:
    """The retry policy, one object for both methods because urllib3 already tells them apart:

    - GET (idempotent, in `allowed_methods`) is retried on connect errors, read errors/timeouts and 429/5xx.
    - POST (the cancel) is NOT in `allowed_methods`, so urllib3 retries it only on *connect* errors
      (`NewConnectionError`/`ConnectTimeoutError`: refused, unreachable, DNS, connect timeout). Those are raised
      before a single byte of the request was sent, so the Partner Portal cannot have acted on it. A read timeout, a
      dropped connection or a 5xx after the request went out is ambiguous: the cancel may have been taken, and
      sending it again could act twice (or cancel a publish someone started in between). Those surface to the caller
      as "outcome unknown, check /cpp ops".
    - `other=0`: errors urllib3 cannot classify (TLS failures mid-stream and the like) are never retried, for either
      method, for the same reason.
    - Redirects are never followed (requests passes redirect=False to urllib3; the client maps 3xx to an error).
    """
    return CappedRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_factor,
        backoff_max=10.0,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
        max_retry_after_s=max_retry_after_s,
    )


class OriginPinnedAdapter(HTTPAdapter):
    """An HTTPAdapter that will not send a request carrying Authorization anywhere but `base_url`'s origin."""

    def __init__(self, base_url: str, max_retries: Retry, service: str = "the API") -> None:
        super().__init__(max_retries=max_retries)
        self._base_url = base_url
        self._service = service

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if "Authorization" in request.headers:
            ensure_same_origin(self._base_url, request.url or "", self._service)
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


def build_session(
    base_url: str, retry: Retry, *, adapter: type[OriginPinnedAdapter] = OriginPinnedAdapter, service: str = "the API"
) -> requests.Session:
    """A session that ignores the environment's proxies and sends its token only through `adapter`'s fence (the
    API's origin; a backend may pass one pinned to its path too)."""
    session = requests.Session()
    session.trust_env = False
    session.proxies = {}
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    pinned = adapter(base_url, retry, service)
    session.mount("https://", pinned)
    session.mount("http://", pinned)
    return session


@dataclass(frozen=True)
class Exchange:
    """One finished request: the response (body already read, capped) and how long it took."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_s: float


def _cause(exc: BaseException) -> object:
    """The urllib3 error under a requests ConnectionError (unwrapping MaxRetryError after exhausted retries)."""
    reason: object = exc.args[0] if exc.args else None
    return reason.reason if isinstance(reason, MaxRetryError) else reason


def _sentence(service: str) -> str:
    """`service` at the start of a sentence."""
    return service[:1].upper() + service[1:]


def _read_capped(response: requests.Response, service: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise InvalidResponse(f"{_sentence(service)}'s answer is larger than {MAX_BODY_BYTES // 1024} KiB.")
        chunks.append(chunk)
    return b"".join(chunks)


def _with_hint(message: str, hint: str | None) -> str:
    return f"{message} {hint}" if hint else message


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    params: Mapping[str, str] | None = None,
    body: bytes | None = None,
    unknown_outcome_hint: str | None = None,
    service: str,
    tag: str,
) -> Exchange:
    """Send one request (urllib3 does the retries underneath) and map transport failures to ApiError types.

    `unknown_outcome_hint` is set for requests that change something (the cancel): when the request may have
    reached the server but no answer came back, the error says the outcome is unknown and what to check.
    `service` is who the error messages name ("the Partner Portal", "the Product Ingestion API"); `tag` how the
    debug log line names the API ("CPP").
    """
    path = urlsplit(url).path
    started = time.monotonic()
    status: int | str = "error"
    try:
        response = _open(session, method, url, headers, timeout, params, body, unknown_outcome_hint, service)
        status = response.status_code
        content = _read_body(response, unknown_outcome_hint, service)
        return Exchange(response.status_code, response.headers, content, time.monotonic() - started)
    finally:
        log.debug("%s %s %s -> %s in %.0f ms", tag, method, path, status, (time.monotonic() - started) * 1000)


def _open(
    session: requests.Session,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    params: Mapping[str, str] | None,
    body: bytes | None,
    unknown_outcome_hint: str | None,
    service: str,
) -> requests.Response:
    """Send the request; the response comes back with its body unread. A failure before the status line arrived
    becomes the ApiError that says whether anything can have been sent."""
    unknown = unknown_outcome_hint is not None
    who = _sentence(service)
    try:
        return session.request(
            method,
            url,
            params=params,
            data=body,
            headers=dict(headers),
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
    except requests.exceptions.ConnectTimeout:
        raise ApiConnectionError(
            f"Could not connect to {service} within {timeout[0]:g} s (nothing was sent)."
        ) from None
    except requests.exceptions.ReadTimeout:
        message = f"{who} did not answer within {timeout[1]:g} s."
        raise ApiTimeout(_with_hint(message, unknown_outcome_hint), outcome_unknown=unknown) from None
    except requests.exceptions.ConnectionError as exc:
        cause = _cause(exc)
        if isinstance(cause, NewConnectionError):
            raise ApiConnectionError(f"Could not connect to {service} (nothing was sent).") from None
        if isinstance(cause, ReadTimeoutError):  # a GET whose retries all timed out
            message = f"{who} did not answer within {timeout[1]:g} s."
            raise ApiTimeout(_with_hint(message, unknown_outcome_hint), outcome_unknown=unknown) from None
        message = f"The connection to {service} dropped before it answered."
        raise ApiConnectionError(_with_hint(message, unknown_outcome_hint), outcome_unknown=unknown) from None
    except requests.exceptions.RequestException as exc:
        raise InvalidResponse(f"{who}'s answer could not be read ({type(exc).__name__}).") from None


def _read_body(response: requests.Response, unknown_outcome_hint: str | None, service: str) -> bytes:
    """The body, capped, and the connection closed. A body lost on the way fails a read; for a request that
    changed something the status line already says what it did, so its body is then taken as empty."""
    try:
        return _read_capped(response, service)
    except ApiError:
        raise
    except requests.exceptions.RequestException:
        if unknown_outcome_hint is None:
            raise ApiConnectionError(
                f"The connection to {service} dropped while reading its answer (HTTP {response.status_code})."
            ) from None
        return b""  # the status line already says what the POST did; its body is optional
    finally:
        response.close()


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


_MAX_API_MESSAGE = 300


def _clean(text: str) -> str:
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= _MAX_API_MESSAGE else text[: _MAX_API_MESSAGE - 3] + "..."


def error_details(body: bytes) -> tuple[str | None, str | None]:
    """(code, message) from an error body: `{"error": {"code", "message"}}`, `{"message"}`, or plain text."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return None, None
    try:
        data: Any = json.loads(text)
    except ValueError:
        # An HTML error page (gateways send those) says nothing a person can use; plain text might.
        return None, None if text.startswith("<") else _clean(text)
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        data = data[0]
    if not isinstance(data, Mapping):
        return None, _clean(str(data))
    detail = data.get("error")
    if isinstance(detail, Mapping):
        code, message = detail.get("code"), detail.get("message")
    else:
        code = data.get("code")
        message = detail if isinstance(detail, str) else data.get("message") or data.get("Message")
    return (
        _clean(code) if isinstance(code, str) and code else None,
        _clean(message) if isinstance(message, str) and message else None,
    )


def checked_base_url(base_url: str, service: str) -> str:
    """`base_url` without a trailing slash, if a bearer token may go there: absolute http(s), plain http only to a
    loopback emulator, no user-info, query or fragment. ValueError otherwise."""
    base_url = base_url.rstrip("/")
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    who = service[:1].upper() + service[1:]
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"{who}'s base URL must be an absolute https:// URL, got {base_url!r}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            "Plain http:// is allowed only for a loopback emulator: the bearer token would travel in clear"
        )
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise ValueError(f"{who}'s base URL must not carry user-info, a query or a fragment")
    return base_url
