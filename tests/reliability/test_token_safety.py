"""The bearer token never leaves the Partner Portal's origin, whatever the Partner Portal (or something posing as it)
answers - checked through the real flow, with a second loopback server that records every request it gets.

The client's URL guard is tested rule by rule in tests/backends/cpp/test_urlguard.py and test_token_safety.py
(including plain http:// when the base is https://, which needs a TLS base this suite does not run). Here: the whole
cancel, as a pipeline and as a person start it, and what they are told.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devhost.standins.cpp import AUTH_VALID, Fault
from devhost.standins.slack import describe
from tests.reliability.conftest import OPERATION_PATH, Rig, assert_taken_but_not_followed, mentions

Location = Callable[[Rig], Fault]

UNSAFE_OPERATION_LOCATIONS: list[tuple[str, Location]] = [
    ("foreign-host", lambda r: Fault(method="POST", operation_location=r.foreign.base_url + OPERATION_PATH)),
    (
        "user-info",
        lambda r: Fault(
            method="POST", operation_location=f"http://ops:secret@127.0.0.1:{r.emulator.port}{OPERATION_PATH}"
        ),
    ),
    (
        "user-info-lookalike",
        lambda r: Fault(
            method="POST", operation_location=f"http://127.0.0.1@127.0.0.1:{r.foreign.port}{OPERATION_PATH}"
        ),
    ),
    (
        "other-scheme",
        lambda r: Fault(method="POST", operation_location=f"https://127.0.0.1:{r.emulator.port}{OPERATION_PATH}"),
    ),
    ("outside-the-api", lambda r: Fault(method="POST", operation_location=f"{r.emulator.base_url}/_emulator/reset")),
    ("protocol-relative", lambda r: Fault(method="POST", location=f"//127.0.0.1:{r.foreign.port}{OPERATION_PATH}")),
    (
        "encoded-slash",
        lambda r: Fault(method="POST", location="/api/publishers/contoso%2f..%2f..%2f_emulator/requests"),
    ),
]


def assert_the_token_stayed_home(rig: Rig) -> None:
    assert rig.foreign.visits == [], rig.foreign.visits
    assert all(r.path.startswith("/api/publishers/") and r.auth == AUTH_VALID for r in rig.emulator.requests)


@pytest.mark.parametrize(
    "unsafe", [u for _, u in UNSAFE_OPERATION_LOCATIONS], ids=[n for n, _ in UNSAFE_OPERATION_LOCATIONS]
)
def test_an_unsafe_operation_location_is_never_followed_and_the_cancel_is_reported_as_taken(
    rig: Rig, unsafe: Location
) -> None:
    rig.emulator.add_fault(unsafe(rig))
    report = assert_taken_but_not_followed(rig, "cpp_unsafe_url", "will not follow the operation URL")
    assert "do not send it again" in describe(report) and "/cpp ops" in describe(report)
    assert rig.watchers() == [] and rig.cancel_posts() == 1
    assert_the_token_stayed_home(rig)


def test_a_confirm_in_slack_with_a_foreign_operation_location_tells_the_channel(rig: Rig) -> None:
    rig.emulator.add_fault(Fault(method="POST", operation_location=rig.foreign.base_url + OPERATION_PATH))
    slack = rig.slack
    value = slack.command("cancel contoso contoso-vm-offer", channel=rig.channel).button("confirm_cancel")["value"]
    assert slack.click("confirm_cancel", value, channel=rig.channel, key="confirm").status == 200
    rig.wait_for_channel(lambda ms: bool(ms))
    [report] = rig.announcements()
    assert mentions(report, "accepted but not followed here") and mentions(report, "not to the Partner Portal")
    assert rig.watchers() == [] and rig.cancel_posts() == 1
    assert_the_token_stayed_home(rig)


def test_a_redirected_cancel_post_is_not_followed(rig: Rig) -> None:
    rig.emulator.add_fault(Fault(method="POST", path="/cancel", redirect_to=rig.foreign.base_url + "/api/cancel"))
    answer = rig.webhook(rig.webhook_body())
    assert answer.status == 502 and answer.json()["error"]["code"] == "cpp_unsafe_url", answer.body
    rig.wait_for_channel(lambda ms: bool(ms))
    [report] = rig.announcements()
    assert (report.text or "").startswith("❌ Cancel of contoso/contoso-vm-offer failed")
    assert "never follows a redirect" in describe(report), "regression: this said the cancel had been accepted"
    assert rig.cancel_posts() == 1
    assert_the_token_stayed_home(rig)


def test_a_redirected_operation_read_ends_the_watch_with_the_reason(rig: Rig) -> None:
    # The idle offer: no publish in flight, so the first operation read is the watcher's.
    rig.emulator.add_fault(Fault(method="GET", path="/operations/", redirect_to=rig.foreign.base_url + OPERATION_PATH))
    answer = rig.webhook(rig.webhook_body("contoso-idle-offer"))
    assert answer.status == 202, answer.body
    output = rig.output(answer.json()["instanceId"])
    assert output["phase"] == "lost" and "redirect" in output["error"], output
    rig.wait_for_channel(lambda ms: any(m.thread_ts for m in ms))
    [reply] = rig.thread_replies()
    assert mentions(reply, "redirect") and mentions(reply, "/cpp ops"), reply.text
    assert_the_token_stayed_home(rig)
