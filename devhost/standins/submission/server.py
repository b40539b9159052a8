"""The stand-in as a server: the submission API's products, submissions and workflow details over the shared loopback
stand-in server, which records every request (the bearer token presented included).

Real sockets, so the client's transport (retries, timeouts, the pinned adapter, paging) runs as against Partner
Center. The switches (`faults`, or `POST /_standin/faults`): `throttle` (the next n requests answer 429 "Request rate
exceeds limit", with `retry_after` as `Retry-After` only when it is set - the docs declare none), `refusal_status`
(what a DELETE of a submission that is not InProgress answers: 409 by default, undocumented), `error_style` (`ich`: a
string holding JSON, as recorded; `bare`: a bare string, as the swagger types it), `page_size`, `odata_paging` (every
collection links with an absolute `@odata.nextLink` instead of a relative `nextLink`; also per product),
`after_delete` (see state.py) and `next_link` (every page links there instead: hostile links for the client's tests).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devhost.standins.server import Control, ErrorCodes, Reply, StandInRequest, StandInServer, json_reply
from devhost.standins.submission import controls
from devhost.standins.submission.state import AFTER_DELETE, Catalog, Product, Submission, offset_of, skip_token

DEFAULT_TOKEN = "local-submission-token"  # noqa: S105 - a fixed token only the local stand-in accepts
API_PATH = "/v1.0/ingestion"
THROTTLED = "Request rate exceeds limit"
REFUSED = "Only an InProgress submission can be deleted."


@dataclass
class Faults:
    throttle: int = 0
    retry_after: str | None = None
    refusal_status: int = 409
    error_style: str = "ich"
    page_size: int = 2
    odata_paging: bool = False
    next_link: str | None = None


class SubmissionStandIn(StandInServer):
    """`with SubmissionStandIn() as api:` - products and submissions through `add_product`/`add_submission`, what
    came through `requests`, `deletes()` and `product_deletes()`."""

    title = "Partner Center submission API stand-in"
    base_path = API_PATH
    methods = ("GET", "POST", "DELETE")
    records_tokens = True
    error_codes = ErrorCodes("BadRequest", "NotFound", "RequestEntityTooLarge", "InternalServerError")

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = DEFAULT_TOKEN) -> None:
        super().__init__(host, port, token=token)
        self.token: str = token
        self.catalog = Catalog()
        self.faults = Faults()
        self._holds: list[tuple[str, str, float]] = []
        self._released = threading.Event()

    # -- steering ----------------------------------------------------------------------------------------------------
    def add_product(self, offer_id: str, product_id: str | None = None, **options: Any) -> Product:
        with self._lock:
            return self.catalog.add_product(offer_id, product_id or str(uuid.uuid4()), **options)

    def add_submission(self, product_id: str, submission_id: str | None = None, **options: Any) -> Submission:
        with self._lock:
            return self.catalog.add_submission(product_id, submission_id, **options)

    def move(self, product_id: str, submission_id: str, state: str | None = None, substate: str | None = None) -> None:
        """Set the submission's state/substate, or without either take one step along the documented path."""
        with self._lock:
            found = self.catalog.products[product_id.lower()].submission(submission_id)
            if found is None:
                raise KeyError(f"no submission {submission_id} in product {product_id}")
            if state is None and substate is None:
                found.step()
            found.state, found.substate = state or found.state, substate or found.substate

    def set_faults(self, **changes: Any) -> None:
        with self._lock:
            after_delete = changes.pop("after_delete", self.catalog.after_delete)
            if after_delete not in AFTER_DELETE:
                raise ValueError(f"after_delete must be one of {', '.join(AFTER_DELETE)}")
            self.catalog.after_delete = after_delete
            for name, value in changes.items():
                if not hasattr(self.faults, name):
                    raise ValueError(f"no fault named {name!r}")
                setattr(self.faults, name, value)

    def hold(self, method: str, path_suffix: str, latency_s: float) -> None:
        """Hold the next `method` request whose path ends with `path_suffix` for `latency_s` - or, until `release`
        is called, at most that long - then act on it (a host can be killed while its DELETE is in flight, and the
        API still carries it out)."""
        with self._lock:
            self._released.clear()
            self._holds.append((method, path_suffix, latency_s))

    def release(self) -> None:
        """End a hold now: a test that killed the host releases the request it held, with no timing to guess."""
        self._released.set()

    def reset(self) -> None:
        with self._lock:
            self.catalog, self.faults = Catalog(), Faults()
            self._holds.clear()
            self.clear_requests()

    def deletes(self) -> list[str]:
        """The paths of every DELETE received, in order."""
        return [r.path for r in self.requests if r.method == "DELETE"]

    def product_deletes(self) -> list[str]:
        """Every `DELETE /products/{productId}` received: the app must never send one."""
        return [p for p in self.deletes() if len(p.removeprefix(API_PATH).strip("/").split("/")) == 2]

    # -- serving -----------------------------------------------------------------------------------------------------
    def error_reply(self, status: int, code: str, message: str) -> Reply:
        """The recorded shape: a JSON string holding a code, a sentence and a JSON object (or, switched, a bare one)."""
        if self.faults.error_style == "bare":
            return json_reply(status, message)
        fault = 50000 + status
        detail = {
            "faultCode": fault,
            "reasonPhrase": message,
            "correlationId": str(uuid.uuid4()),
            "operationId": uuid.uuid4().hex,
            "data": {},
        }
        return json_reply(status, f"ICH{fault} - Unable to complete request. {json.dumps(detail)}")

    def answer(self, request: StandInRequest) -> Reply:
        """Every answer carries a `Request-ID`, as the API's do."""
        with self._lock:
            hold = next((h for h in self._holds if h[0] == request.method and request.path.endswith(h[1])), None)
            if hold is not None:
                self._holds.remove(hold)
        if hold is not None:
            self._released.wait(hold[2])
        reply = self._answer(request)
        return Reply(reply.status, reply.body, {**reply.headers, "Request-ID": str(uuid.uuid4())}, reply.after)

    def _answer(self, request: StandInRequest) -> Reply:
        with self._lock:
            if self.faults.throttle > 0:
                self.faults.throttle -= 1
                reply = self.error_reply(429, "TooManyRequests", THROTTLED)
                extra = {"Retry-After": self.faults.retry_after} if self.faults.retry_after else {}
                return Reply(reply.status, reply.body, {**reply.headers, **extra})
            if request.bearer != self.token:
                return self.error_reply(401, "Unauthorized", "Missing or invalid bearer token.")
            return self._api(request)

    def _api(self, request: StandInRequest) -> Reply:
        segments = request.path.removeprefix(API_PATH).strip("/").split("/")
        if request.path == API_PATH + "/products" and request.method == "GET":
            return self._products(request)
        product = self.catalog.products.get(segments[1].lower()) if len(segments) > 1 else None
        if segments[0] != "products" or product is None:
            return self.error_reply(404, "NotFound", "The resource was not found.")
        route = (request.method, len(segments))
        if route == ("GET", 2):
            return json_reply(200, product.body())
        if route == ("DELETE", 2):  # what the real API does; the app never sends it (product_deletes())
            del self.catalog.products[product.id]
            return Reply(204)
        if len(segments) > 2 and segments[2] == "submissions":
            return self._submissions(request, product, segments[3:])
        return self.error_reply(404, "NotFound", "The resource was not found.")

    def _submissions(self, request: StandInRequest, product: Product, rest: list[str]) -> Reply:
        if not rest and request.method == "GET":
            bodies = [s.body() for s in product.submissions]
            return self._page(request, bodies, f"products/{product.id}/submissions", product.odata_paging)
        found = product.submission(rest[0]) if rest else None
        if found is None:
            return self.error_reply(404, "NotFound", "The submission was not found.")
        route = (request.method, tuple(rest[1:]))
        if route == ("GET", ()):
            return json_reply(200, found.body())
        if route == ("GET", ("workflowdetails",)):
            link = f"products/{product.id}/submissions/{found.id}/workflowdetails"
            return self._page(request, found.workflow(), link, product.odata_paging)
        if route == ("DELETE", ()):
            if found.state != "InProgress":
                return self.error_reply(self.faults.refusal_status, "Conflict", REFUSED)
            self.catalog.delete(product, found)
            return Reply(204)
        return self.error_reply(405, "MethodNotAllowed", "The method is not allowed on this resource.")

    def _products(self, request: StandInRequest) -> Reply:
        query = request.query.get("$filter")
        offer = controls.offer_of_filter(query) if query is not None else None
        if query is not None and offer is None:
            return self.error_reply(400, "BadRequest", "The $filter is not supported.")
        products = [p.body() for p in self.catalog.products.values() if offer is None or p.offer_id == offer]
        return self._page(request, products, "products", False)

    def _page(self, request: StandInRequest, items: list[dict[str, Any]], path: str, odata: bool) -> Reply:
        """One page; the next link drops every other query parameter, as the recorded `nextLink` drops `$filter`."""
        try:
            offset = offset_of(request.query.get("$skipToken"))
        except ValueError:
            return self.error_reply(400, "BadRequest", "The $skipToken is not valid.")
        size = max(1, self.faults.page_size)
        body: dict[str, Any] = {"value": items[offset : offset + size]}
        link = self.faults.next_link
        if link is None and offset + size < len(items):
            link = f"{API_PATH.lstrip('/')}/{path}?$skipToken={skip_token(offset + size)}"
            if odata or self.faults.odata_paging:
                body["@odata.nextLink"] = f"{self.origin}/{link}"
                link = None
        if link is not None:
            body = {"nextLink": link, **body}
        return json_reply(200, body)

    def controls(self) -> Mapping[tuple[str, str], Control]:
        return controls.endpoints(self)
