"""A faithful local Cloud Partner Portal, for tests, the dev host and demos (no Azure account needed).

Run it: `python -m devhost.standins.cpp --port 8081 [--step-seconds S] [--seed N]`; it prints its base URL and
token. In tests: `with EmulatorServer(step_seconds=0.5) as cpp: ...cpp.base_url, cpp.token...`.

The cast (publisher `contoso`, token `local-emulator-token` by default):

- `contoso-vm-offer`: a publish in flight through the six documented VM steps (Validate Pre-Requisites,
  Certification, Provisioning, Packaging and Lead Generation Registration, Publisher signoff, Live). They advance
  with emulator time (1, 3, 3, 2 step units) and then wait at "Publisher signoff" (waitingForPublisherReview), so
  the publish stays cancellable. A cancel answers 202 + Operation-Location; its operation has three steps, one
  step unit each, then `completed`, and from that moment the publish is `canceled` (in the list too).
- `contoso-saas-offer`: the cancel answers 200 (done synchronously).
- `contoso-failing-offer`: the cancel's operation fails at its second step, with an `error`.
- `contoso-idle-offer`: nothing in flight; the cancel still answers 202, and its one-step operation completes
  after one step unit (as public clients report of the real service).
- `fabrikam`: exists, but the token has no access: 403. Anything else: 404. No/bad bearer: 401. Wrong or missing
  api-version: 400 InvalidAPIVersion.

Every cancel POST starts a cancel operation of its own (no source says a second POST finds the first); with
`beyond_docs=True` (`--beyond-docs`) a cancel while another is running answers 202 with that one. A step unit is
`step_seconds` (default 2 s: a vm-offer cancel takes 6 s; `--step-seconds 1.5` makes it 4.5 s).

Steering: `add_fault(Fault(...))`, `clear_faults()`, `reset()`, `advance(s)` (with `ManualClock`),
`configure_offer(...)`, `requests`, `cancel_count()`; over HTTP: POST/GET/DELETE `/_emulator/faults`,
POST `/_emulator/reset`, GET `/_emulator/requests`, POST `/_emulator/advance` {"seconds": n},
POST `/_emulator/offers` {"publisherId", "offerId", "cancelMode", "operationShape"}. The control endpoints need no
token (the emulator only listens on loopback) and are not recorded.

- server.py: `EmulatorServer`, the emulator on the shared stand-in server: faults, clock, steering.
- api.py: the Partner Portal's surface (pure): authentication, api-version, routes, the answers' shapes.
- state.py: offers, their publishes and the cancels aimed at them; catalog.py: the fixed cast of offers and steps.
- timeline.py: steps that advance with time, evaluated lazily; clock.py: the manual clock.
- faults.py: the faults a test injects; control.py: the `/_emulator/*` endpoints; __main__.py: running it alone.
"""

from devhost.standins.cpp.clock import ManualClock
from devhost.standins.cpp.faults import Fault
from devhost.standins.cpp.server import DEFAULT_TOKEN, EmulatorServer
from devhost.standins.cpp.state import CancelMode, OperationShape
from devhost.standins.server import AUTH_ABSENT, AUTH_INVALID, AUTH_NOT_BEARER, AUTH_VALID, RecordedRequest

__all__ = [
    "AUTH_ABSENT",
    "AUTH_INVALID",
    "AUTH_NOT_BEARER",
    "AUTH_VALID",
    "DEFAULT_TOKEN",
    "CancelMode",
    "EmulatorServer",
    "Fault",
    "ManualClock",
    "OperationShape",
    "RecordedRequest",
]
