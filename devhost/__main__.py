"""`python -m devhost` - serve the function app locally; `demo` - the whole story; `slash` - one signed command.

python -m devhost [--port 7071] [--data-dir .devhost] [--log-level INFO] [--app function_app:app]
python -m devhost demo [--keep-data] [--log-level WARNING]
python -m devhost slash "/cpp ops contoso contoso-vm-offer" --user U0ALICE [--url ...] [--channel C...]
"""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from devhost.functions.loader import DEFAULT_APP


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devhost",
        description="Local stand-in for the Azure Functions host and the Durable extension (development and tests).",
    )
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default 7071, or Host.LocalHttpPort)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--data-dir", type=Path, default=Path(".devhost"), help="where histories are kept")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    parser.add_argument("--app", default=DEFAULT_APP, help=f"the FunctionApp as module:attr (default {DEFAULT_APP})")
    parser.add_argument(
        "--no-local-settings", action="store_true", help="ignore local.settings.json (the environment only)"
    )
    commands = parser.add_subparsers(dest="command")

    demo = commands.add_parser("demo", help="play the whole Slack story against the emulators; exit 0 if it worked")
    demo.add_argument("--keep-data", action="store_true", help="keep the demo's temporary data dir")
    demo.add_argument(
        "--log-level",
        dest="demo_log_level",
        default="ERROR",
        help="console log level (default ERROR; all in the log file)",
    )
    demo.add_argument("--timeout", type=float, default=90.0, help="give up after this many seconds (default 90)")

    slash = commands.add_parser("slash", help="send one signed slash command to a running dev host")
    slash.add_argument("command_line", metavar='"/cpp ..."', help="the command as typed in Slack")
    slash.add_argument("--user", required=True, help="Slack user ID of the sender, e.g. U0ALICE")
    slash.add_argument("--url", default="http://127.0.0.1:7071", help="the dev host (default http://127.0.0.1:7071)")
    slash.add_argument("--channel", default="C0RELEASES", help="channel ID (default C0RELEASES)")
    slash.add_argument("--signing-secret", default=None, help="default: env, local.settings.json, then the data dir")
    slash.add_argument("--click", metavar="ACTION_ID", default=None, help="then click the reply's button with this ID")
    return parser


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


def serve(args: argparse.Namespace) -> int:
    from devhost.banner import render_banner
    from devhost.demo.render import Conversation
    from devhost.host import DevHost, DevHostOptions

    _configure_logging(args.log_level)
    slack_view = Conversation(people={}, channels={})  # prints what the app posts to the Slack stand-in

    host = DevHost(
        DevHostOptions(
            app=args.app,
            host=args.host,
            port=args.port,
            data_dir=args.data_dir,
            use_local_settings=not args.no_local_settings,
            on_slack_message=slack_view.app_message,
        )
    )
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        host.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            port = args.port or 7071
            print(
                f"dev host failed to start: port {port} is in use (another dev host, or `func start`?); pass --port",
                file=sys.stderr,
            )
        else:
            print(f"dev host failed to start: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        print(f"dev host failed to start: {exc}", file=sys.stderr)
        return 2
    print(render_banner(host), flush=True)
    print("Ready. Ctrl+C to stop.", flush=True)
    try:
        stopping.wait()
    finally:
        print("Stopping...", flush=True)
        host.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from devhost.demo.run import run_demo

        return run_demo(app=args.app, keep_data=args.keep_data, log_level=args.demo_log_level, timeout=args.timeout)
    if args.command == "slash":
        from devhost.standins.slack.client import run_slash

        return run_slash(
            args.command_line,
            user=args.user,
            url=args.url,
            channel=args.channel,
            signing_secret=args.signing_secret,
            data_dir=args.data_dir,
            click=args.click,
        )
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
