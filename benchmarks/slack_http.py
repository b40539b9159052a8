"""Slack's side of a benchmark: signed slash commands and clicks over one kept-alive HTTP connection, timed.

The payloads are `devhost.standins.slack.client.SlackClient`'s (form fields of a slash command, a `block_actions` click,
signed with slack_sdk's own signer), so the app verifies exactly what Slack would send. Only the transport is
replaced: SlackClient opens a new urllib connection per request, which would add socket set-up to every sample
and measure the kernel more than the handler. Here one `http.client` connection is reused, and the timer runs
from the first byte sent to the last byte of the answer read - signing and payload building are Slack's cost,
not the app's, and stay outside it.
"""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from devhost.standins.slack.client import SlackClient, SlackReply

HTTP_TIMEOUT_S = 30.0


class KeepAliveSlackClient(SlackClient):
    """A SlackClient whose requests share one HTTP/1.1 connection; `last_seconds` is the last exchange's time.

    `route_prefix` places the Slack routes: "api" for the real app, "api/bare" for the baseline's routes.
    """

    def __init__(self, base_url: str, signing_secret: str, *, route_prefix: str = "api") -> None:
        super().__init__(base_url, signing_secret, route_prefix=route_prefix)
        parts = urlsplit(self.base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._path_prefix = parts.path.rstrip("/") + ("/" + route_prefix.strip("/") if route_prefix.strip("/") else "")
        self._connection: http.client.HTTPConnection | None = None
        self.last_seconds = 0.0

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self._host, self._port, timeout=HTTP_TIMEOUT_S)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _post(self, route: str, body: bytes) -> SlackReply:
        timestamp = str(int(time.time()))
        signature = self._signer.generate_signature(timestamp=timestamp, body=body) or ""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        path = f"{self._path_prefix}/{route}"
        for attempt in (1, 2):
            connection = self._connect()
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle kept-alive connection: reconnect once (this sample is then re-timed).
                self.close()
                if attempt == 2:
                    raise
                continue
            self.last_seconds = time.perf_counter() - started
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return SlackReply.parse(response.status, raw)
        raise AssertionError("unreachable")  # pragma: no cover
