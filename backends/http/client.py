"""What every backend's client is made of: one checked base URL, one API version, one token provider, and a session
with the retry policy and the token's fence (`transport`), with the API's own timeouts and retries (its settings'
`ApiLimits`, which each client's `from_settings` passes).

A backend's client subclasses `ApiClient`, names its service (who the messages name, what the debug log calls it),
and may pin its adapter to a path as well as an origin (the Product Ingestion API shares Microsoft Graph's host).
`_exchange` sends one request with the token, through the transport: the client turns the answer into its types and
errors. No per-call state: one client can serve concurrent activities (urllib3's pools are thread-safe).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

import requests

from backends.http import transport
from backends.http.tokens import TokenProvider
from cppcancel.settings import ApiLimits, Settings

DEFAULT_LIMITS = ApiLimits()


@dataclass(frozen=True)
class Endpoint:
    """Where one API is, in the settings: its base URL, version, limits, and its own token provider."""

    base_url: str
    api_version: str
    limits: ApiLimits
    tokens: Callable[[], TokenProvider]


class ApiClient:
    """One base URL and one identity of one API (subclasses set `service`, `tag` and, for a path fence, `adapter`)."""

    service: ClassVar[str] = "the API"
    tag: ClassVar[str] = "API"
    default_api_version: ClassVar[str] = ""
    adapter: ClassVar[type[transport.OriginPinnedAdapter]] = transport.OriginPinnedAdapter

    def __init__(
        self,
        base_url: str,
        token_provider: TokenProvider,
        *,
        api_version: str | None = None,
        timeout: tuple[float, float] = DEFAULT_LIMITS.timeout,
        max_retries: int = DEFAULT_LIMITS.max_retries,
        session: requests.Session | None = None,
        backoff_factor: float = 0.5,
        max_retry_after_s: float = 30.0,
    ) -> None:
        """`session` is for callers that bring their own transport; it is used as given, except that environment
        proxies/.netrc are always switched off. Without one, a session with the retry policy of `transport` is built.
        """
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = transport.checked_base_url(base_url, self.service)
        self.api_version = api_version or self.default_api_version
        self._tokens = token_provider
        self._timeout = timeout
        if session is None:
            retry = transport.build_retry(
                max_retries, backoff_factor=backoff_factor, max_retry_after_s=max_retry_after_s
            )
            session = transport.build_session(self.base_url, retry, adapter=self.adapter, service=self.service)
        session.trust_env = False
        self._session = session

    @classmethod
    def endpoint(cls, settings: Settings) -> Endpoint:
        """Where this API is in the settings (each client says)."""
        raise NotImplementedError

    @classmethod
    def from_settings(
        cls, settings: Settings, token_provider: TokenProvider | None = None, *, limits: ApiLimits | None = None
    ) -> Self:
        """A client of this API as the settings describe it; `limits`: shorter ones than the API's own, for a read a
        person waits for (a Slack request) or one that must not retry (a paced read)."""
        endpoint = cls.endpoint(settings)
        chosen = limits or endpoint.limits
        return cls(
            endpoint.base_url,
            token_provider or endpoint.tokens(),
            api_version=endpoint.api_version,
            timeout=chosen.timeout,
            max_retries=chosen.max_retries,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_version={self.api_version!r})"

    def close(self) -> None:
        self._session.close()

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        unknown_outcome_hint: str | None = None,
    ) -> transport.Exchange:
        """One request with the API's token (fetched only now: the caller checked `url` first)."""
        headers = {"Authorization": f"Bearer {self._tokens.get_token()}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return transport.send(
            self._session,
            method,
            url,
            headers=headers,
            timeout=self._timeout,
            params=params,
            body=body,
            unknown_outcome_hint=unknown_outcome_hint,
            service=self.service,
            tag=self.tag,
        )
