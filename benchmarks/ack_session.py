"""The dev host figure 1 measures, and the session that talks to it: signed requests over kept-alive connections.

Apart from the figure itself because the breakdown pass (`ack_breakdown`) drives the same session: both send the
same command and the same click, and wait for the same background work to settle, through this one class.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks import fixtures
from benchmarks.slack_http import KeepAliveSlackClient
from devhost.host import DevHost, DevHostOptions
from devhost.standins.cpp import EmulatorServer, Fault
from devhost.standins.slack.client import SlackReply

APP = "benchmarks.combined_app:app"
SETTLE_TIMEOUT_S = 30.0
EMULATOR_STEP_S = 3600.0  # the publish stays in flight (and cancellable) for the whole run
LIVE = ("Pending", "Running")


def _quiet_logs() -> Callable[[], None]:
    """Silence app and host logging below ERROR for the run (thousands of lines would cost more than the
    handlers); returns the undo."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    return lambda: logging.disable(previous)


@contextlib.contextmanager
def running_host(data_dir: Path) -> Iterator[DevHost]:
    """A started dev host serving the product and the bare app, with the benchmark's policy and signing secret."""
    values = {"CANCEL_POLICY": fixtures.policy_json(), "SLACK_SIGNING_SECRET": fixtures.signing_secret()}
    undo_logs = _quiet_logs()
    try:
        with fixtures.isolated_environ(values):
            host = DevHost(
                DevHostOptions(
                    app=APP,
                    port=0,
                    data_dir=data_dir,
                    use_local_settings=False,
                    emulator_step_seconds=EMULATOR_STEP_S,
                )
            ).start()
            try:
                yield host
            finally:
                host.stop()
    finally:
        undo_logs()


class Session:
    """Both clients, the emulator's request counter and the settle step, for one host."""

    def __init__(self, host: DevHost, *, cpp_latency_s: float) -> None:
        self.host = host
        secret = os.environ["SLACK_SIGNING_SECRET"]
        self.real = KeepAliveSlackClient(host.origin, secret, route_prefix="api")
        self.bare = KeepAliveSlackClient(host.origin, secret, route_prefix="api/bare")
        slack, cpp = host.emulation.slack, host.emulation.cpp
        if slack is None or cpp is None:
            raise RuntimeError(
                f"the dev host did not start its Slack stand-in and CPP emulator: {host.emulation.cpp_error}"
            )
        self.response_url: str = slack.response_url("bench")
        self.cpp: EmulatorServer = cpp
        if cpp_latency_s > 0:
            cpp.add_fault(Fault(latency_s=cpp_latency_s, times=None))

    def close(self) -> None:
        self.real.close()
        self.bare.close()

    def cpp_count(self) -> int:
        return len(self.cpp.requests)

    def command(self, client: KeepAliveSlackClient) -> SlackReply:
        return client.command(
            fixtures.COMMAND, user=fixtures.USER, channel=fixtures.CHANNEL, response_url=self.response_url
        )

    def click(self, client: KeepAliveSlackClient, reply: SlackReply) -> SlackReply:
        button = reply.button(fixtures.CONFIRM_ACTION)
        assert button is not None
        return client.click(
            button, user=fixtures.USER, channel=fixtures.CHANNEL, response_url=self.response_url, reply=reply
        )

    def settle(self) -> bool:
        """Wait until no cancel orchestration is live (the last click's has finished its background work)."""
        engine = self.host.engine
        return engine.wait_for(lambda e: not e.query(statuses=LIVE, prefix="cancel-"), SETTLE_TIMEOUT_S)
