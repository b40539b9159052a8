"""The Cloud Partner Portal client: cancel a publish, read operations, list submissions.

Everything the API answers is turned into the neutral `backends.http.operation` types or `backends.http.errors`
exceptions here, once; callers never see raw JSON, status codes or `requests` exceptions. The rules that keep the
bearer token safe live in `backends.cpp.urlguard` (which operation URLs may be followed) and the shared
`backends.http.transport` (retries, no redirects, an origin-pinned adapter), under `backends.http.client.ApiClient`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlsplit

from backends.cpp import urlguard
from backends.http import errors, tokens, transport
from backends.http.client import ApiClient, Endpoint
from backends.http.operation import CancelResult, Operation
from backends.http.tokens import TokenProvider
from backends.http.transport import error_details, parse_retry_after
from cppcancel import identifiers, offer_apis

if TYPE_CHECKING:
    from cppcancel.settings import Settings

__all__ = ["CppClient", "OperationPoll", "error_details", "parse_retry_after", "token_provider_from_settings"]

DEFAULT_API_VERSION = "2017-10-31"
CHECK_OPS = "check /cpp ops before trying again"
_STATUS_FILTER = re.compile(r"[A-Za-z][A-Za-z ]{0,39}\Z")


@functools.cache
def token_provider_from_settings(settings: Settings) -> TokenProvider:
    """The Partner Portal's tokens: CPP_ACCESS_TOKEN when set (local runs), the configured identity otherwise."""
    return tokens.for_api(settings, settings.cpp_access_token, "CPP_ACCESS_TOKEN", settings.cpp_token_scope)


@dataclass(frozen=True)
class OperationPoll:
    """One read of an operation, with the Retry-After the API sent on that 200/202 (if any) as a polling hint."""

    operation: Operation
    retry_after_s: float | None = None


@dataclass(frozen=True)
class _Call:
    """What a request was for, so that errors can say it in a person's words."""

    what: str
    publisher_id: str | None = None
    is_cancel: bool = False
    about_offer: bool = False  # a 404 may mean the offer lives behind another API (cppcancel.offer_apis)


def _json(exchange: transport.Exchange, what: str) -> Any:
    try:
        return json.loads(exchange.body)
    except ValueError:
        raise errors.MalformedResponse(
            f"The Partner Portal answered {what} with something that is not JSON.", status_code=exchange.status_code
        ) from None


class CppClient(ApiClient):
    """A client for one Partner Portal base URL and one identity."""

    service = urlguard.SERVICE
    tag = "CPP"
    default_api_version = DEFAULT_API_VERSION

    @classmethod
    def endpoint(cls, settings: Settings) -> Endpoint:
        return Endpoint(
            settings.cpp_base_url,
            settings.cpp_api_version,
            settings.cpp_limits,
            lambda: token_provider_from_settings(settings),
        )

    # -- public API ------------------------------------------------------------------------------------------------

    def resolve_operation_url(self, location: str) -> str:
        """An Operation-Location/Location value as an absolute URL the token may be sent to (else UnsafeUrl)."""
        return urlguard.resolve_operation_url(self.base_url, location)

    def cancel(self, publisher_id: str, offer_id: str, notification_emails: Sequence[str] = ()) -> CancelResult:
        """POST .../cancel once. 200: cancelled at once; 202: accepted, follow `operation_url`.

        Never sent twice after an ambiguous failure (see transport.build_retry); such failures say so.
        """
        identifiers.validate_publisher_id(publisher_id)
        identifiers.validate_offer_id(offer_id)
        if isinstance(notification_emails, str):
            notification_emails = [e for e in re.split(r"[,;\s]+", notification_emails) if e]
        emails = identifiers.validate_emails(tuple(notification_emails))
        metadata = {"notification-emails": ",".join(emails)} if emails else {}
        call = _Call(f"the cancel of {publisher_id}/{offer_id}", publisher_id, is_cancel=True, about_offer=True)
        exchange = self._send(
            "POST",
            self._offer_url(publisher_id, offer_id, "cancel"),
            call,
            body=json.dumps({"metadata": metadata}).encode("utf-8"),
        )
        if exchange.status_code == 202:
            return CancelResult(
                "accepted",
                202,
                operation_url=self._cancel_operation_url(exchange),
                retry_after_s=parse_retry_after(exchange.headers.get("Retry-After")),
            )
        return CancelResult("cancelled", exchange.status_code)

    def poll_operation(self, url: str) -> OperationPoll:
        """GET one operation (URL from a cancel, checked again here: it may come from stored state)."""
        safe_url = self.resolve_operation_url(url)
        exchange = self._send("GET", safe_url, _Call("the operation"), api_version_in_url=True)
        if exchange.status_code not in (200, 202):
            raise errors.InvalidResponse(
                f"The Partner Portal answered the operation read with HTTP {exchange.status_code} and no operation.",
                status_code=exchange.status_code,
            )
        try:
            operation = Operation.from_json(_json(exchange, "the operation read"))
        except ValueError as exc:
            raise errors.InvalidResponse(
                f"The Partner Portal's operation is not in the documented shape: {exc}.",
                status_code=exchange.status_code,
            ) from None
        return OperationPoll(operation, parse_retry_after(exchange.headers.get("Retry-After")))

    def get_operation(self, url: str) -> Operation:
        return self.poll_operation(url).operation

    def list_operations(self, publisher_id: str, offer_id: str, filtered_status: str | None = None) -> list[Operation]:
        """GET .../submissions/: the offer's operations in the API's order; `filtered_status` e.g. "running"."""
        identifiers.validate_publisher_id(publisher_id)
        identifiers.validate_offer_id(offer_id)
        params: dict[str, str] = {}
        if filtered_status is not None:
            if not _STATUS_FILTER.match(filtered_status):
                raise identifiers.InvalidInput(
                    f"The status filter {filtered_status[:40]!r} is not valid: use a word such as 'running'."
                )
            params["status"] = filtered_status
        call = _Call(f"the operations of {publisher_id}/{offer_id}", publisher_id, about_offer=True)
        exchange = self._send("GET", self._offer_url(publisher_id, offer_id, "submissions/"), call, params=params)
        if exchange.status_code == 204:
            return []
        data = _json(exchange, "the operations list")
        if isinstance(data, Mapping):
            data = data.get("value", data.get("items"))
        if not isinstance(data, list):
            raise errors.InvalidResponse(
                "The Partner Portal's operations list is not a JSON array.", status_code=exchange.status_code
            )
        return [Operation.from_json(item) for item in data if isinstance(item, Mapping)]

    # -- plumbing --------------------------------------------------------------------------------------------------

    def _offer_url(self, publisher_id: str, offer_id: str, tail: str) -> str:
        # IDs are validated already; quoting anyway means a future change to the ID rules cannot open the path.
        return f"{self.base_url}/api/publishers/{quote(publisher_id, safe='')}/offers/{quote(offer_id, safe='')}/{tail}"

    def _cancel_operation_url(self, exchange: transport.Exchange) -> str:
        location = exchange.headers.get("Operation-Location") or exchange.headers.get("Location")
        if not location:
            raise errors.InvalidResponse(
                "The Partner Portal accepted the cancel but gave no operation to follow; check /cpp ops.",
                status_code=202,
            )
        try:
            return self.resolve_operation_url(location)
        except errors.UnsafeUrl as exc:
            raise errors.UnsafeUrl(
                "The Partner Portal accepted the cancel (HTTP 202), but the client will not follow the operation "
                f"URL it gave: {exc.message} Check /cpp ops to follow the cancel.",
                status_code=202,
            ) from None

    def _send(
        self,
        method: str,
        url: str,
        call: _Call,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        api_version_in_url: bool = False,
    ) -> transport.Exchange:
        urlguard.ensure_same_origin(self.base_url, url, self.service)  # before the token is even fetched
        query = dict(params or {})
        if not (api_version_in_url and any(k == "api-version" for k, _ in parse_qsl(urlsplit(url).query))):
            query["api-version"] = self.api_version
        hint = f"The cancel may or may not have been taken: {CHECK_OPS}." if call.is_cancel else None
        exchange = self._exchange(method, url, params=query, body=body, unknown_outcome_hint=hint)
        if not 200 <= exchange.status_code < 300:
            raise self._error_for(exchange, call)
        return exchange

    def _error_for(self, exchange: transport.Exchange, call: _Call) -> errors.ApiError:
        status = exchange.status_code
        code, message = error_details(exchange.body)
        retry_after = parse_retry_after(exchange.headers.get("Retry-After"))
        extra: dict[str, Any] = {"status_code": status, "api_code": code, "api_message": message}
        extra["service"] = self.service
        if 300 <= status < 400:
            return self._redirect_error(exchange, call)
        if status == 400:
            return errors.InvalidRequest(f"The Partner Portal refused {call.what} as a bad request.", **extra)
        if status == 401:
            return errors.Unauthorized(
                "The Partner Portal did not accept the token: it is missing, expired, or not for "
                "https://cloudpartner.azure.com.",
                **extra,
            )
        if status == 403:
            whose = f"publisher {call.publisher_id!r}" if call.publisher_id else "this publisher"
            return errors.Forbidden(
                f"This app's identity has no access to {whose} in the Partner Portal; the publisher must add it "
                "(Partner Center > User management > Microsoft Entra applications).",
                **extra,
            )
        if status == 404:
            return errors.NotFound(
                f"The Partner Portal found nothing for {call.what}: check the publisher and offer IDs.",
                where_to_look=offer_apis.NOT_IN_CPP if call.about_offer else None,
                **extra,
            )
        if status == 409:
            return errors.Conflict(
                f"The Partner Portal refused {call.what} because of the offer's current state.", **extra
            )
        if status == 429:
            when = f"in {retry_after:g} s" if retry_after is not None else "later"
            return errors.Throttled(
                f"The Partner Portal is throttling requests; try {call.what} again {when}.",
                retry_after_s=retry_after,
                **extra,
            )
        if status >= 500:
            # A 5xx can come from a gateway after the service acted; for the cancel the outcome is not known.
            hint = f" The cancel may or may not have been taken: {CHECK_OPS}." if call.is_cancel else ""
            return errors.ServerError(
                f"The Partner Portal failed with a server error on {call.what}.{hint}",
                retry_after_s=retry_after,
                outcome_unknown=call.is_cancel,
                **extra,
            )
        if 400 <= status < 500:
            return errors.InvalidRequest(f"The Partner Portal refused {call.what} (HTTP {status}).", **extra)
        return errors.InvalidResponse(f"The Partner Portal answered {call.what} with HTTP {status}.", **extra)

    def _redirect_error(self, exchange: transport.Exchange, call: _Call) -> errors.ApiError:
        status = exchange.status_code
        location = exchange.headers.get("Location")
        if location:
            try:
                self.resolve_operation_url(location)
            except errors.UnsafeUrl as exc:
                return errors.UnsafeUrl(
                    f"The Partner Portal answered {call.what} with a redirect (HTTP {status}) that the client does "
                    f"not follow: {exc.message}",
                    status_code=status,
                )
        return errors.InvalidResponse(
            f"The Partner Portal answered {call.what} with a redirect (HTTP {status}); the client never follows "
            "redirects.",
            status_code=status,
        )
