"""The control endpoints, `/_emulator/*`: steer the emulator from another process (the dev host, an e2e test).

They are the emulator's own test API, not the Partner Portal's, so they live apart from the HTTP server that serves
both; each one calls one of `EmulatorServer`'s steering methods, and this module is the table of them. They need no
token (the emulator only listens on loopback) and are not recorded.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from devhost.standins.cpp import api
from devhost.standins.cpp.faults import Fault

if TYPE_CHECKING:
    from devhost.standins.cpp.server import EmulatorServer

CONTROL_PREFIX = "/_emulator/"


def control(emulator: EmulatorServer, method: str, path: str, body: bytes) -> api.Reply:
    """/_emulator/*: steer the emulator from another process (the dev host, an e2e test)."""
    name = path[len(CONTROL_PREFIX) :].strip("/")
    try:
        data: Any = json.loads(body) if body.strip() else None
    except ValueError:
        return api.error_reply(400, "InvalidRequest", "The body is not valid JSON.")
    try:
        if name == "requests" and method == "GET":
            return api.json_reply(200, [r.to_json() for r in emulator.requests])
        if name == "faults" and method == "GET":
            return api.json_reply(200, [f.to_json() for f in emulator.faults])
        if name == "faults" and method == "POST":
            items = data if isinstance(data, list) else [data]
            faults = [Fault.from_json(item) for item in items if isinstance(item, dict)]
            if len(faults) != len(items):
                return api.error_reply(400, "InvalidRequest", "Send a fault object or a list of them.")
            for fault in faults:
                emulator.add_fault(fault)
            return api.json_reply(200, {"added": len(faults)})
        if name == "faults" and method == "DELETE":
            emulator.clear_faults()
            return api.json_reply(200, {"cleared": True})
        if name == "reset" and method == "POST":
            emulator.reset()
            return api.json_reply(200, {"reset": True})
        if name == "advance" and method == "POST":
            emulator.advance(float((data or {}).get("seconds", 0)))
            return api.json_reply(200, {"now": emulator.now()})
        if name == "offers" and method == "POST":
            emulator.configure_offer(
                str(data["publisherId"]),
                str(data["offerId"]),
                cancel_mode=data.get("cancelMode"),
                operation_shape=data.get("operationShape"),
            )
            return api.json_reply(200, {"configured": True})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return api.error_reply(400, "InvalidRequest", str(exc))
    except RuntimeError as exc:
        return api.error_reply(409, "Conflict", str(exc))
    return api.error_reply(404, "NotFound", f"No control endpoint {method} {path}.")
