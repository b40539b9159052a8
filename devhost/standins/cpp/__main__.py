"""`python -m devhost.standins.cpp --port N [--step-seconds S] [--seed N]`: serve until interrupted.

Prints the base URL and token first (one `KEY=value` per line, flushed), so a parent process or a person can point
CPP_BASE_URL / CPP_ACCESS_TOKEN at it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from devhost.standins.cpp.server import DEFAULT_TOKEN, EmulatorServer
from devhost.standins.cpp.state import CancelMode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost.standins.cpp", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port, printed)")
    parser.add_argument("--step-seconds", type=float, default=2.0, help="length of one step unit (default 2.0)")
    parser.add_argument("--seed", type=int, default=0, help="seed for operation IDs (default 0)")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help=f"bearer token to accept (default {DEFAULT_TOKEN})")
    parser.add_argument(
        "--cancel-mode",
        choices=[m.value for m in CancelMode],
        default=CancelMode.OPERATION_LOCATION.value,
        help="how a 202 cancel names its operation (default operation-location)",
    )
    parser.add_argument("--operation-shape", choices=["array", "object"], default="array")
    parser.add_argument(
        "--beyond-docs",
        action="store_true",
        help="also report a running cancel in cancellationRequestState and answer a second cancel POST with the "
        "running cancel (behaviour no Microsoft source shows; off by default)",
    )
    args = parser.parse_args(argv)
    try:
        server = EmulatorServer(
            args.host,
            args.port,
            token=args.token,
            step_seconds=args.step_seconds,
            seed=args.seed,
            cancel_mode=args.cancel_mode,
            operation_shape=args.operation_shape,
            beyond_docs=args.beyond_docs,
        )
    except ValueError as exc:
        parser.error(str(exc))
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with server:
        print(f"CPP_BASE_URL={server.base_url}", flush=True)
        print(f"CPP_ACCESS_TOKEN={server.token}", flush=True)
        print(f"CPP emulator ready (step {server.step_seconds:g} s, seed {server.seed}); Ctrl-C stops it.", flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
