"""The emulator as a stand-in server: its Partner Portal (`api`), its faults, its clock and its steering.

The HTTP side - a threaded loopback server, request recording, the control endpoints' routing - is the shared
`devhost.standins.server`; `control` has the table of `/_emulator/*` endpoints. Real HTTP over real sockets (not a
mocked transport), so the client's retry policy, timeouts, redirects and connection handling are exercised exactly as
against the Partner Portal. HTTP/1.1 keep-alive, like the service.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Literal

from devhost.standins.cpp import api
from devhost.standins.cpp.clock import AdvanceableClock
from devhost.standins.cpp.control import CONTROL_PREFIX, controls
from devhost.standins.cpp.faults import Fault, FaultBook
from devhost.standins.cpp.state import CancelMode, OperationShape, PortalState
from devhost.standins.server import Control, ErrorCodes, Reply, StandInRequest, StandInServer

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "local-emulator-token"  # noqa: S105 - a fixed token only the local emulator accepts


class EmulatorServer(StandInServer):
    """A local Cloud Partner Portal. See `devhost.standins.cpp` for the cast of offers and what they do."""

    title = "CPP emulator"
    control_prefix = CONTROL_PREFIX
    methods = ("GET", "POST", "PUT", "DELETE")
    server_version = "CppEmulator/1.0"
    idle_timeout_s = 15  # idle keep-alive connections are dropped after this
    error_codes = ErrorCodes("InvalidRequest", "NotFound", "RequestTooLarge", "InternalServerError")

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = DEFAULT_TOKEN,
        step_seconds: float = 2.0,
        clock: Callable[[], float] | None = None,
        seed: int = 0,
        cancel_mode: CancelMode | str = CancelMode.OPERATION_LOCATION,
        operation_shape: OperationShape = "array",
        beyond_docs: bool = False,
    ) -> None:
        super().__init__(host, port, token=token)
        if not step_seconds > 0:
            raise ValueError("step_seconds must be greater than 0")
        if not token:
            raise ValueError("the emulator needs a token")
        self.token: str = token
        self.step_seconds = step_seconds
        self.seed = seed
        self._clock: Callable[[], float] = clock or time.time
        self._cancel_mode = CancelMode(cancel_mode)
        self._operation_shape: OperationShape = operation_shape
        # Off by default: only what Microsoft documents (see PortalState). On, the emulator also reports a running
        # cancel in cancellationRequestState and answers a second POST with the running cancel - behaviour no
        # source shows, kept for the emulator's own tests; nothing the app relies on for safety may need it.
        self.beyond_docs = beyond_docs
        self._faults = FaultBook()
        self._state = self._new_state()
        self._generation = 0

    def _new_state(self) -> PortalState:
        return PortalState(
            now=self._clock(),
            unit_s=self.step_seconds,
            seed=self.seed,
            cancel_mode=self._cancel_mode,
            operation_shape=self._operation_shape,
            beyond_docs=self.beyond_docs,
        )

    # -- steering --------------------------------------------------------------------------------------------------

    def cancel_count(self, offer_id: str | None = None, publisher_id: str | None = None) -> int:
        """How many cancel POSTs reached the emulator (whatever was answered): proves "exactly one cancel"."""
        count = 0
        for request in self.requests:
            parts = request.path.rstrip("/").split("/")
            if request.method != "POST" or parts[-1:] != ["cancel"] or len(parts) < 6:
                continue
            if (offer_id is None or parts[5] == offer_id) and (publisher_id is None or parts[3] == publisher_id):
                count += 1
        return count

    def cancels_taken(self, publisher_id: str, offer_id: str) -> int:
        """How many cancel operations the emulator started for the offer: a POST it acted on, answered or not (a
        held POST whose caller died still counts once it is carried out)."""
        with self._lock:
            offer = self._state.offer(publisher_id, offer_id)
            return len(offer.cancels) if offer is not None else 0

    def add_fault(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return self._faults.active()

    def reset(self) -> None:
        """Back to the state right after construction: seed data, no requests, no faults, default offer settings."""
        with self._lock:
            self.clear_requests()
            self._faults.clear()
            self._state = self._new_state()
            self._generation += 1  # a request still held in a latency fault belongs to the state before this one

    def advance(self, seconds: float) -> None:
        """Move emulator time forward; only with a clock that has `advance` (ManualClock)."""
        if not isinstance(self._clock, AdvanceableClock):
            raise RuntimeError("advance() needs a manual clock: EmulatorServer(clock=ManualClock())")
        self._clock.advance(seconds)

    def now(self) -> float:
        return self._clock()

    def configure_offer(
        self,
        publisher_id: str,
        offer_id: str,
        *,
        cancel_mode: CancelMode | str | None = None,
        operation_shape: OperationShape | None = None,
    ) -> None:
        """Per offer: which header a 202 cancel uses, and whether one operation comes as an array or an object."""
        with self._lock:
            offer = self._state.offer(publisher_id, offer_id)
            if offer is None:
                raise KeyError(f"no offer {publisher_id}/{offer_id} in the emulator")
            if cancel_mode is not None:
                offer.settings.cancel_mode = CancelMode(cancel_mode)
            if operation_shape is not None:
                if operation_shape not in ("array", "object"):
                    raise ValueError("operation_shape must be 'array' or 'object'")
                offer.settings.operation_shape = operation_shape

    # -- serving ---------------------------------------------------------------------------------------------------

    def controls(self) -> Mapping[tuple[str, str], Control]:
        return controls(self)

    def error_reply(self, status: int, code: str, message: str) -> Reply:
        return api.error_reply(status, code, message)

    def answer(self, request: StandInRequest) -> Reply | None:
        with self._lock:
            generation = self._generation
        fault = self._faults.take(request.method, request.target)
        if fault is not None:
            early = self._apply_fault(fault)
            if early == "drop":
                return None
            if isinstance(early, Reply):
                return early
        with self._lock:
            if generation != self._generation:
                # Reset while this request was held: it must not act on the fresh state (a later test's), so it
                # is dropped as if the connection broke - the test that sent it has already ended.
                return None
            reply = api.dispatch(
                self._state, request, token=self.token, now=self._clock(), base_url=self.base_url, fault=fault
            )
        if fault is not None and fault.malformed_json:
            reply = Reply(reply.status, b'{"status": "runn', {**reply.headers, "Content-Type": "application/json"})
        return reply

    def _apply_fault(self, fault: Fault) -> Reply | Literal["drop"] | None:
        """Latency, then the effects that replace the answer: a Reply, "drop" (no answer), or None (proceed)."""
        if fault.latency_s and self.pause(fault.latency_s):
            return "drop"  # the emulator is stopping
        if fault.reset:
            return "drop"
        if fault.redirect_to is not None:
            return Reply(302, b"", {"Location": fault.redirect_to})
        if fault.status is not None:
            headers = dict(fault.headers)
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            if fault.body is not None:
                return Reply(fault.status, fault.body.encode("utf-8"), headers)
            if fault.status >= 400:
                return api.error_reply(fault.status, "InjectedFault", f"Injected HTTP {fault.status}.", headers)
            return Reply(fault.status, b"", headers)
        return None
