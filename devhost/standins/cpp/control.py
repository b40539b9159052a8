"""The control endpoints, `/_emulator/*`: steer the emulator from another process (the dev host, an e2e test).

They are the emulator's own test API, not the Partner Portal's, so they live apart from the server; each one calls
one of the steering methods below (`Steerable`, which `EmulatorServer` has), and this module is the table of them.
The shared stand-in server routes them: no token (loopback only), never recorded, a 400 for a bad body or argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from devhost.standins.cpp.api import error_reply
from devhost.standins.cpp.faults import Fault
from devhost.standins.server import Control, RecordedRequest, Reply, json_reply

CONTROL_PREFIX = "/_emulator/"


class Steerable(Protocol):
    """What the control endpoints steer (EmulatorServer's steering methods)."""

    @property
    def requests(self) -> list[RecordedRequest]: ...
    @property
    def faults(self) -> list[Fault]: ...
    def add_fault(self, fault: Fault) -> None: ...
    def clear_faults(self) -> None: ...
    def reset(self) -> None: ...
    def advance(self, seconds: float) -> None: ...
    def now(self) -> float: ...
    def configure_offer(
        self, publisher_id: str, offer_id: str, *, cancel_mode: str | None = None, operation_shape: Any = None
    ) -> None: ...


def controls(emulator: Steerable) -> Mapping[tuple[str, str], Control]:
    """The endpoints by (method, name below /_emulator/)."""

    def add_faults(data: Any) -> Reply:
        items = data if isinstance(data, list) else [data]
        faults = [Fault.from_json(item) for item in items if isinstance(item, dict)]
        if len(faults) != len(items):
            return error_reply(400, "InvalidRequest", "Send a fault object or a list of them.")
        for fault in faults:
            emulator.add_fault(fault)
        return json_reply(200, {"added": len(faults)})

    def clear_faults(data: Any) -> Reply:
        emulator.clear_faults()
        return json_reply(200, {"cleared": True})

    def reset(data: Any) -> Reply:
        emulator.reset()
        return json_reply(200, {"reset": True})

    def advance(data: Any) -> Reply:
        try:
            emulator.advance(float((data or {}).get("seconds", 0)))
        except RuntimeError as exc:  # no manual clock
            return error_reply(409, "Conflict", str(exc))
        return json_reply(200, {"now": emulator.now()})

    def configure_offer(data: Any) -> Reply:
        emulator.configure_offer(
            str(data["publisherId"]),
            str(data["offerId"]),
            cancel_mode=data.get("cancelMode"),
            operation_shape=data.get("operationShape"),
        )
        return json_reply(200, {"configured": True})

    return {
        ("GET", "requests"): lambda data: json_reply(200, [r.to_json() for r in emulator.requests]),
        ("GET", "faults"): lambda data: json_reply(200, [f.to_json() for f in emulator.faults]),
        ("POST", "faults"): add_faults,
        ("DELETE", "faults"): clear_faults,
        ("POST", "reset"): reset,
        ("POST", "advance"): advance,
        ("POST", "offers"): configure_offer,
    }
