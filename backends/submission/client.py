"""The Partner Center submission API client: an offer's product, its submissions (every page), a submission's
workflow, and the one DELETE that cancels an in-progress submission.

The transport is the project's (`backends.http.transport`): urllib3's retry policy retries safe reads on connection
errors, 429 and 5xx (a `Retry-After` up to `max_retry_after_s` is honoured, backoff without one; a longer one is
handed back as Throttled), and never retries the DELETE once it may have left; bodies are capped, redirects never
followed, environment proxies ignored. The session's adapter (`SubmissionPinnedAdapter`) is the last fence: a request
carrying `Authorization` goes only to SUBMISSION_API_BASE_URL's origin and path, a DELETE only to one submission, and
no other method leaves at all - so no code path can `DELETE /products/{productId}` or promote anything.

Rules the client keeps by itself:
- `find_product` looks up only a publisher this deployment serves (SUBMISSION_API_PUBLISHERS; none by default): the
  API finds products by offer ID across the whole Partner Center account. It keeps only products whose `externalIDs`
  name the offer (recorded next links drop the `$filter`), and refuses an answer naming several.
- `cancel` takes the product and the submission as just read and decides from them (`decisions.cancel_verdict`):
  nothing is sent unless the product is an Azure Application and the submission InProgress. Only 204 is a cancel;
  any other answer raises NotCancelled with the API's own words, marked `outcome_unknown` when it may have acted
  (5xx, an unexpected 2xx/3xx): read the submissions again, never send it blindly again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import requests

from backends.http import errors, transport
from backends.http.tokens import TokenProvider
from backends.http.transport import parse_retry_after
from backends.submission import decisions, urls
from backends.submission.error_body import parse_error_body
from backends.submission.models import Page, Product, Submission, WorkflowDetail
from backends.submission.tokens import submission_token_provider_from_settings
from backends.submission.words import SERVICE  # who the error messages name

if TYPE_CHECKING:
    from cppcancel.settings import Settings

MAX_PAGES = 50
UNKNOWN_OUTCOME = "It may or may not have been taken: read the submissions again before anything else."
T = TypeVar("T")


class PublisherNotServed(errors.ApiError):
    """The publisher is not in SUBMISSION_API_PUBLISHERS: nothing is looked up for it."""

    code = "publisher_not_served"


class NotCancellable(errors.ApiError):
    """What was read says no DELETE may be sent (not InProgress, not an Azure Application); nothing was sent."""

    code = "not_cancellable"

    def __init__(self, message: str, *, verdict: decisions.CancelVerdict | None = None) -> None:
        super().__init__(message, service=SERVICE)
        self.verdict = verdict


class TooLate(NotCancellable):
    """The submission has passed certification; `verdict.advice` says what is safe now."""

    code = "too_late"


class NotCancelled(errors.ApiError):
    """The DELETE answered something other than 204; `outcome_unknown` when the API may still have acted."""

    code = "not_cancelled"


@dataclass(frozen=True)
class Cancelled:
    """The DELETE answered 204. The API's `Request-ID` is kept for the record (Microsoft support asks for it)."""

    product_id: str
    submission_id: str
    status_code: int = 204
    request_id: str | None = None


@dataclass(frozen=True)
class Connection:
    """Where the API is and how patiently to talk to it: the transport settings of one API, in one value."""

    base_url: str
    timeout: tuple[float, float] = (5.0, 30.0)
    max_retries: int = 4
    backoff_factor: float = 0.5
    max_retry_after_s: float = 30.0

    def session(self) -> requests.Session:
        retry = transport.build_retry(
            self.max_retries, backoff_factor=self.backoff_factor, max_retry_after_s=self.max_retry_after_s
        )
        return transport.build_session(urls.checked_base_url(self.base_url), retry, adapter=SubmissionPinnedAdapter)


class SubmissionPinnedAdapter(transport.OriginPinnedAdapter):
    """Only GET and DELETE; a DELETE only of one submission; `Authorization` only under the base's origin and path."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if request.method not in ("GET", "DELETE"):
            raise errors.UnsafeUrl(
                f"This client reads and deletes one submission only; it never sends {request.method}."
            )
        if request.method == "DELETE":
            urls.ensure_submission_delete(self._base_url, url)
        if "Authorization" in request.headers:
            urls.ensure_api_url(self._base_url, url)
        return super().send(request, *args, **kwargs)


_READ_ERRORS: Mapping[int, tuple[type[errors.ApiError], str]] = {
    401: (errors.Unauthorized, "The Partner Center submission API did not accept the token (for {what})."),
    403: (
        errors.Forbidden,
        "This app's identity may not read {what}: add its Microsoft Entra application in Partner Center with the "
        "Manager role (Account settings > User management > Microsoft Entra applications).",
    ),
    404: (errors.NotFound, "The Partner Center submission API found nothing for {what}."),
    429: (errors.Throttled, "The Partner Center submission API is throttling requests; read {what} again later."),
}


class SubmissionClient:
    """A client for one SUBMISSION_API_BASE_URL, one identity and the publishers it serves; no per-call state."""

    def __init__(self, connection: Connection, token_provider: TokenProvider, *, publishers: Iterable[str]) -> None:
        self.base_url = urls.checked_base_url(connection.base_url)
        self._connection = connection
        self._tokens = token_provider
        self._publishers = frozenset(p.lower() for p in publishers)
        self._session = connection.session()

    def __repr__(self) -> str:
        return f"SubmissionClient(base_url={self.base_url!r}, publishers={sorted(self._publishers)!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        token_provider: TokenProvider | None = None,
        *,
        quick: tuple[float, float] | None = None,
    ) -> SubmissionClient:
        """The client of SUBMISSION_API_*; `quick`: at most these (connect, read) timeouts and no retries, for a read
        a person waits for."""
        own = settings.submission_api
        timeout, retries = (own.connect_timeout_s, own.read_timeout_s), own.max_retries
        if quick is not None:
            timeout, retries = (min(timeout[0], quick[0]), min(timeout[1], quick[1])), 0
        return cls(
            Connection(own.base_url, timeout, retries),
            token_provider or submission_token_provider_from_settings(settings),
            publishers=own.publishers,
        )

    def close(self) -> None:
        self._session.close()

    # -- reads -----------------------------------------------------------------------------------------------------

    def serves(self, publisher_id: str) -> bool:
        return publisher_id.lower() in self._publishers

    def find_product(self, publisher_id: str, offer_id: str) -> Product | None:
        """The product of `offer_id`, None when the account has none; PublisherNotServed before any request when
        this deployment does not serve `publisher_id`."""
        if not self.serves(publisher_id):
            raise PublisherNotServed(
                f"Publisher {publisher_id!r} is not in SUBMISSION_API_PUBLISHERS, so the Partner Center submission "
                "API is not asked about its offers.",
                service=SERVICE,
            )
        what = f"the product of offer {offer_id}"
        found = self._collect(urls.products_by_offer_url(self.base_url, offer_id), Product.from_json, what)
        matches = {p.id: p for p in found if p.is_offer(offer_id)}
        if len(matches) > 1:
            raise errors.InvalidResponse(
                f"The Partner Center submission API names {len(matches)} products for offer {offer_id} "
                f"({', '.join(sorted(matches))}); nothing is cancelled while that is unclear.",
                service=SERVICE,
            )
        return next(iter(matches.values()), None)

    def list_submissions(self, product_id: str) -> list[Submission]:
        """Every submission of the product ("both InProgress and Published"), every page."""
        url = urls.submissions_url(self.base_url, product_id)
        return self._collect(url, Submission.from_json, f"the submissions of product {product_id}")

    def get_submission(self, product_id: str, submission_id: str) -> Submission:
        url = urls.submission_url(self.base_url, product_id, submission_id)
        return self._parsed(self._get(url, f"submission {submission_id}"), Submission.from_json, "submission")

    def workflow_details(self, product_id: str, submission_id: str) -> list[WorkflowDetail]:
        url = urls.workflow_url(self.base_url, product_id, submission_id)
        return self._collect(url, WorkflowDetail.from_json, f"the workflow of submission {submission_id}")

    # -- the cancel ------------------------------------------------------------------------------------------------

    def cancel(self, product: Product, submission: Submission) -> Cancelled:
        """DELETE the submission once, if what was just read allows it (else NotCancellable/TooLate, nothing sent).
        204 is Cancelled; any other answer raises NotCancelled and is never sent again by this client."""
        if not decisions.is_cancellable_product(product.resource_type):
            raise NotCancellable(
                f"Product {product.id} is a {product.resource_type or 'product of no stated type'}: the app cancels "
                "Azure Application submissions only through this API. Nothing was sent."
            )
        verdict = decisions.cancel_verdict(submission)
        if not verdict.cancellable:
            raise (TooLate if verdict.too_late else NotCancellable)(verdict.words, verdict=verdict)
        url = urls.submission_url(self.base_url, product.id, submission.id)
        exchange = self._send("DELETE", url, is_cancel=True)
        if exchange.status_code == 204:
            return Cancelled(product.id, submission.id, 204, exchange.headers.get("Request-ID"))
        raise _not_cancelled(exchange, submission)

    # -- plumbing --------------------------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, is_cancel: bool = False) -> transport.Exchange:
        urls.ensure_api_url(self.base_url, url)  # before the token is even fetched
        headers = {"Authorization": f"Bearer {self._tokens.get_token()}", "Client-Request-ID": str(uuid.uuid4())}
        return transport.send(
            self._session,
            method,
            url,
            headers=headers,
            timeout=self._connection.timeout,
            unknown_outcome_hint=UNKNOWN_OUTCOME if is_cancel else None,
            service=SERVICE,
            tag="SubmissionAPI",
        )

    def _get(self, url: str, what: str) -> Any:
        exchange = self._send("GET", url)
        if not 200 <= exchange.status_code < 300:
            raise _read_error(exchange, what)
        try:
            return json.loads(exchange.body)
        except ValueError:
            raise errors.MalformedResponse(
                f"The Partner Center submission API answered {what} with something that is not JSON.",
                status_code=exchange.status_code,
                service=SERVICE,
            ) from None

    def _collect(self, url: str, parse: Callable[[object], T], what: str) -> list[T]:
        """Every item of a collection, page after page; each next link checked before it is followed."""
        found: list[T] = []
        seen, page_url = {url}, url
        for _ in range(MAX_PAGES):
            page = self._parsed(self._get(page_url, what), Page.from_json, "page")
            found.extend(self._parsed(item, parse, "item") for item in page.items)
            if page.next_link is None:
                return found
            page_url = urls.resolve_next_link(self.base_url, page.next_link, url)
            if page_url in seen:
                raise errors.InvalidResponse(f"The pages of {what} lead back to one already read.", service=SERVICE)
            seen.add(page_url)
        raise errors.InvalidResponse(f"{what.capitalize()} runs to more than {MAX_PAGES} pages.", service=SERVICE)

    @staticmethod
    def _parsed(data: object, parse: Callable[[object], T], what: str) -> T:
        try:
            return parse(data)
        except ValueError as exc:
            raise errors.InvalidResponse(
                f"The Partner Center submission API answered with a {what} that cannot be read: {exc}.",
                service=SERVICE,
            ) from None


def _api_words(exchange: transport.Exchange) -> dict[str, Any]:
    body = parse_error_body(exchange.body)
    return {
        "status_code": exchange.status_code,
        "api_code": body.code,
        "api_message": body.message or body.text,
        "retry_after_s": parse_retry_after(exchange.headers.get("Retry-After")),
        "service": SERVICE,
    }


def _read_error(exchange: transport.Exchange, what: str) -> errors.ApiError:
    status = exchange.status_code
    if status in _READ_ERRORS:
        kind, text = _READ_ERRORS[status]
        return kind(text.format(what=what), **_api_words(exchange))
    if status >= 500:
        return errors.ServerError(f"The Partner Center submission API failed reading {what}.", **_api_words(exchange))
    if 300 <= status < 400:
        return errors.InvalidResponse(
            f"The Partner Center submission API redirected {what}; redirects are not followed.", **_api_words(exchange)
        )
    return errors.InvalidRequest(f"The Partner Center submission API refused {what}.", **_api_words(exchange))


def _not_cancelled(exchange: transport.Exchange, submission: Submission) -> NotCancelled:
    status = exchange.status_code
    unknown = status >= 500 or status < 400
    text = f"The Partner Center submission API did not cancel {submission.title}: it answered HTTP {status}, not 204."
    if unknown:
        text += f" {UNKNOWN_OUTCOME}"
    elif status == 429:
        text += " It is throttling requests; the DELETE was not repeated."
    error = NotCancelled(text, outcome_unknown=unknown, **_api_words(exchange))
    error.transient = status == 429 or status >= 500
    return error
