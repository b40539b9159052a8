"""A response_url is posted to only on Slack's host, or on the configured stand-in's origin (issue #21, item 5)."""

from __future__ import annotations

import pytest

from slack_app.response_urls import usable_response_url

SLACK_API = "https://slack.com/api/"
STANDIN = "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize(
    ("url", "base", "usable"),
    [
        ("https://hooks.slack.com/commands/T0/1/abc", SLACK_API, True),
        ("https://hooks.slack.com/actions/T0/1/abc", STANDIN, True),  # Slack's own is never refused
        ("http://127.0.0.1:8123/response/cmd", STANDIN, True),  # the stand-in, when the app is pointed at it
        ("http://127.0.0.1:8123/response/cmd", SLACK_API, False),  # ...and only then
        ("http://127.0.0.1:9999/response/cmd", STANDIN, False),  # another port
        ("https://127.0.0.1:8123/response/cmd", STANDIN, False),  # another scheme
        ("http://hooks.slack.com/commands/T0/1/abc", SLACK_API, False),
        ("https://hooks.slack.com:8443/commands/T0/1/abc", SLACK_API, False),
        ("https://evil.example/commands/T0/1/abc", SLACK_API, False),
        ("https://hooks.slack.com.evil.example/x", SLACK_API, False),
        ("https://user@hooks.slack.com/commands/x", SLACK_API, False),
        ("https://hooks.slack.com", SLACK_API, False),  # no path
        ("https://slack.com/api/chat.postMessage", SLACK_API, False),  # Slack's Web API is not a response_url
        ("https://hooks.slack.com:notaport/x", SLACK_API, False),
        ("", SLACK_API, False),
        (None, SLACK_API, False),
        (7, SLACK_API, False),
    ],
)
def test_only_slacks_hooks_or_the_configured_standins_origin(url: object, base: str, usable: bool) -> None:
    assert (usable_response_url(url, base) is not None) is usable
