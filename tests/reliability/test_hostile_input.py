"""Hostile input through the real HTTP functions: never a 500, and no side effect without a valid signature and
permission.

Hypothesis generates slash-command text, button payloads and webhook bodies (bounded example counts) and sends them
over loopback HTTP into the dev host serving `function_app` - Bolt's signature check, the grammar, the policy, the
webhook's validation, all as deployed. A side effect is anything that reaches the outside or starts work: a request
to the Partner Portal, an orchestration, a message in the channel. The explicit cases below the fuzzers pin what the
fuzzers are most likely to miss: IDs shaped like paths, replays, a forged clicker, a Slack body Bolt cannot read.

Already covered elsewhere (cited in docs/reliability.md): signatures that are wrong, stale, from the future or
missing (tests/cancel_function/test_slack_signatures.py and test_webhook.py), oversize bodies (same files and
tests/devhost/functions/test_bridge.py), a button value naming another person (test_slack_interactions.py).
"""

from __future__ import annotations

import json
import re
import string
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cppcancel.contracts import cancel_instance_id
from cppcancel.webhook_request import WebhookInputError, parse_webhook_body
from slack_app.actions import CancelTicket, InvalidValue
from tests.conftest import ALICE, BOB, MALLORY, TEAM
from tests.devhost.conftest import fetch
from tests.reliability.conftest import HttpTransport, Rig, sign_webhook
from tests.slack_app.helpers import FORM, block_actions_payload, interaction_body, signed_headers

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PERMITTED = (ALICE, BOB)
# What the app may send the Partner Portal: reads and the cancel of one validated publisher/offer path.
SAFE_CPP_PATH = re.compile(
    r"/api/publishers/[A-Za-z0-9][A-Za-z0-9._-]{0,99}/offers/[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
    r"/(submissions/|cancel|operations/[0-9a-f-]{36})\Z"
)
HOSTILE_IDS = [
    "../admin",
    "..",
    ".",
    "a/b",
    "a%2Fb",
    "%2e%2e",
    "a\\b",
    "contoso\x00",
    "contoso\r\nX-Injected: 1",
    "cöntoso",
    "ｃｏｎｔｏｓｏ",  # full-width: looks like contoso
    "contoso\u202e",  # right-to-left override
    "contoso\u200b",  # zero-width space
    "<@U0ALICE>",
    "*bold*",
    "contoso?x=1",
    "contoso#frag",
    "x" * 101,
    "-leading-dash",
]
ids = st.one_of(
    st.sampled_from(["contoso", "contoso-vm-offer", "fabrikam", *HOSTILE_IDS]),
    st.text(alphabet=string.printable + "äöü/\\%\x00\u202e", max_size=24),
)


@dataclass
class Before:
    """What the outside world had seen before one request."""

    cpp: int
    posts: int
    instances: frozenset[str]
    slack: int

    @classmethod
    def of(cls, rig: Rig) -> Before:
        instances = frozenset(r.instance_id for r in rig.instances())
        return cls(len(rig.emulator.requests), rig.cancel_posts(), instances, len(rig.standin.messages))

    def new_cpp_requests(self, rig: Rig) -> list[Any]:
        return rig.emulator.requests[self.cpp :]

    def new_instances(self, rig: Rig) -> set[str]:
        return {r.instance_id for r in rig.instances()} - self.instances


def assert_no_side_effect(rig: Rig, before: Before, *, replies_allowed: bool = False) -> None:
    """Nothing reached the Partner Portal, nothing was started, nothing was posted (but a reply to the person)."""
    assert before.new_cpp_requests(rig) == []
    assert before.new_instances(rig) == set()
    posted = rig.standin.messages[before.slack :]
    assert all(replies_allowed and m.method == "response_url" for m in posted), [m.to_json() for m in posted]


def assert_slack_shaped(status: int, body: bytes) -> None:
    """Never a 5xx; a body Slack can show (the ack's JSON with text) or a JSON error (refusals)."""
    assert status < 500, body
    if status == 200 and body:
        assert isinstance(json.loads(body).get("text"), str)
    elif body:
        assert "error" in json.loads(body)


# -- slash commands ----------------------------------------------------------------------------------------------------

command_texts = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda verb, p, o, tail: f"{verb} {p} {o}{tail}",
        st.sampled_from(["cancel", "ops", "status", "help", "CANCEL", "cancel\u00a0", "unknown"]),
        ids,
        ids,
        st.sampled_from(["", " notify=a@b.com", " notify=../x@y", " notify=" + "a@b.co," * 30, " extra", "\x00"]),
    ),
)


@FUZZ
@given(text=command_texts, user=st.sampled_from([ALICE, MALLORY]))
def test_fuzzed_slash_commands_answer_and_never_act(rig: Rig, text: str, user: str) -> None:
    before = Before.of(rig)
    reply = rig.slack.command(text, user=user, channel=rig.channel)
    assert reply.status == 200, reply.body
    assert_slack_shaped(reply.status, reply.body)
    assert rig.cancel_posts() == before.posts, "a command never cancels"
    assert before.new_instances(rig) == set(), "a command never starts an orchestration"
    reads = before.new_cpp_requests(rig)
    assert all(r.method == "GET" and SAFE_CPP_PATH.match(r.path) for r in reads), [r.target for r in reads]
    if user == MALLORY:
        assert reads == [], "nothing is read for someone the policy refuses"


# -- button clicks -----------------------------------------------------------------------------------------------------


def fresh() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


ticket_values = st.fixed_dictionaries(
    {},
    optional={
        "rid": st.one_of(st.sampled_from(["a" * 32, "A" * 32, "../" + "a" * 29]), st.text(max_size=40)),
        "p": ids,
        "o": ids,
        "n": st.one_of(st.lists(st.sampled_from(["ops@contoso.com", "x", "a@b", "<@U0ALICE>"]), max_size=3), st.text()),
        "by": st.sampled_from([ALICE, MALLORY, "U0" + "X" * 40, 7]),
        "at": st.one_of(st.just("fresh"), st.sampled_from(["2020-01-01T00:00:00Z", "tomorrow", "9" * 50])),
        "instanceId": st.sampled_from(["watch-" + "0" * 32, "cancel-slack-" + "0" * 32, "../x"]),
        "publisherId": ids,
        "offerId": ids,
    },
)


def encode_value(data: dict[str, Any] | str | None) -> str | None:
    if isinstance(data, dict):
        data = {k: fresh() if v == "fresh" else v for k, v in data.items()}
        return json.dumps(data)
    return data


button_values = st.one_of(st.none(), st.text(max_size=300), ticket_values.map(encode_value))
actions = st.sampled_from(["confirm_cancel", "abort_cancel", "open_cancel", "stop_watching", "", "x" * 300])


def confirm_expected(action: str, user: str, value: str | None) -> str | None:
    """The cancel instance a click may start: a Confirm by a permitted person with a well-formed, fresh ticket."""
    if action != "confirm_cancel" or user not in PERMITTED:
        return None
    try:
        ticket = CancelTicket.from_value(value)
    except InvalidValue:
        return None
    return cancel_instance_id("slack", ticket.request_id)


@FUZZ
@given(action=actions, value=button_values, user=st.sampled_from([ALICE, BOB, MALLORY, "", "U0" + "Z" * 20]))
def test_fuzzed_clicks_never_act_without_permission(rig: Rig, action: str, value: str | None, user: str) -> None:
    before = Before.of(rig)
    reply = rig.slack.click(action, value, user=user, channel=rig.channel, key="fuzz")
    assert_slack_shaped(reply.status, reply.body)
    allowed = confirm_expected(action, user, value)
    started = before.new_instances(rig)
    assert started <= ({allowed} if allowed else set()), (action, user, value, started)
    if allowed is None:
        assert rig.cancel_posts() == before.posts
        assert before.new_cpp_requests(rig) == [] or user in PERMITTED, "nothing is read for a refused clicker"
    elif started:
        rig.finished(allowed)  # a real cancel ran; let it end before the next example


payload_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(payload=payload_json, signed=st.booleans())
@example(payload={"user": False}, signed=False)  # found by this test in CI: Bolt dug into it before verifying
@example(payload={"user": False, "team": 7, "actions": "x"}, signed=True)
def test_fuzzed_interaction_payloads_of_any_shape_never_500(rig: Rig, payload: Any, signed: bool) -> None:
    """Regression: a `payload` that was JSON but not an object (even unsigned) crashed Bolt into a 500."""
    before = Before.of(rig)
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = signed_headers(body) if signed else {"Content-Type": FORM}
    reply = HttpTransport(rig.host.function_url).post("slack/interactions", body, headers)
    assert_slack_shaped(reply.status, reply.body)
    if not signed:
        assert reply.status == 401
    assert_no_side_effect(rig, before)


@FUZZ
@given(body=st.binary(max_size=400), route=st.sampled_from(["slack/commands", "slack/interactions"]))
def test_fuzzed_raw_bodies_signed_by_slack_never_500(rig: Rig, body: bytes, route: str) -> None:
    """Regression: a signed body that is not UTF-8 crashed slack_sdk's verifier into a 500."""
    before = Before.of(rig)
    reply = HttpTransport(rig.host.function_url).post(route, body, signed_headers(body))
    assert_slack_shaped(reply.status, reply.body)
    assert rig.cancel_posts() == before.posts and before.new_instances(rig) == set()


# -- the webhook -------------------------------------------------------------------------------------------------------

webhook_bodies = st.one_of(
    st.binary(max_size=300),
    st.fixed_dictionaries(
        {},
        optional={
            "publisherId": st.one_of(ids, st.integers(), st.none()),
            "offerId": st.one_of(ids, st.lists(ids, max_size=2)),
            "requestedBy": st.sampled_from(["release-pipeline", "intruder", "", "release-pipeline\x00", "Release"]),
            "notificationEmails": st.one_of(st.lists(st.sampled_from(["a@b.com", "x", ""]), max_size=3), st.text()),
            "slackChannel": st.sampled_from(["C0PIPELINE", "c0lower", "../C0", ""]),
            "force": st.booleans(),
        },
    ).map(lambda data: json.dumps(data).encode()),
)


def webhook_allowed(body: bytes) -> bool:
    try:
        request = parse_webhook_body(json.loads(body))
    except (ValueError, WebhookInputError):
        return False
    return request.publisher_id == "contoso" and request.requested_by == "release-pipeline"


@FUZZ
@given(body=webhook_bodies)
def test_fuzzed_signed_webhook_bodies_are_refused_precisely(rig: Rig, body: bytes) -> None:
    before = Before.of(rig)
    answer = rig.webhook(body)
    assert answer.status < 500 or webhook_allowed(body), answer.body
    payload = answer.json()
    if not webhook_allowed(body):
        assert 400 <= answer.status < 500 and set(payload) == {"error"}, answer.body
        assert_no_side_effect(rig, before)
    assert all(SAFE_CPP_PATH.match(r.path) for r in before.new_cpp_requests(rig))


@FUZZ
@given(body=webhook_bodies, tamper=st.sampled_from(["key", "body", "id", "timestamp", "none"]))
def test_fuzzed_webhooks_with_a_bad_signature_do_nothing(rig: Rig, body: bytes, tamper: str) -> None:
    before = Before.of(rig)
    stranger = "whsec_" + "c29tZWJvZHktZWxzZXMta2V5LTEyMzQ1Njc4"
    headers = sign_webhook(body, key=stranger) if tamper == "key" else sign_webhook(body)
    if tamper == "body":
        body = body + b" "
    elif tamper == "id":
        headers["webhook-id"] = headers["webhook-id"] + "x"
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) - 1)
    elif tamper == "none":
        headers = {"Content-Type": "application/json"}
    answer = fetch("POST", rig.host.function_url("webhooks/cancel"), body, headers, timeout=30)
    assert answer.status == 401, answer.body
    assert_no_side_effect(rig, before)


@FUZZ
@given(
    instance_id=st.one_of(
        st.sampled_from(["watch-" + "0" * 32, "cancel-webhook-" + "0" * 32, "cancel-slack-" + "0" * 32, "..", "%2e"]),
        st.text(alphabet=string.ascii_letters + string.digits + "-_.%~!$&'()*+,;=:@", max_size=60),
    )
)
def test_fuzzed_status_queries_only_ever_answer_json(rig: Rig, instance_id: str) -> None:
    """`GET /api/webhooks/operations/{id}`: 404 for anything not a webhook's own instance (never a Slack cancel's)."""
    before = Before.of(rig)
    answer = fetch("GET", rig.host.function_url(f"webhooks/operations/{instance_id}"), timeout=10)
    assert answer.status in (200, 404), answer.body
    assert answer.status == 404 or instance_id.startswith(("watch-", "cancel-webhook-"))
    assert set(answer.json()) >= ({"error"} if answer.status == 404 else {"runtimeStatus"})
    assert_no_side_effect(rig, before)


# -- explicit hostile cases --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_ids_shaped_like_paths_or_tricks_are_refused_at_every_entry(rig: Rig, bad: str) -> None:
    before = Before.of(rig)
    reply = rig.slack.command(f"cancel contoso {bad}", channel=rig.channel)
    assert reply.status == 200 and "confirm_cancel" not in reply.body.decode(), reply.readable()
    answer = rig.webhook(rig.webhook_body(bad))
    assert (answer.status, answer.json()["error"]["code"]) == (400, "invalid_value"), answer.body
    value = json.dumps({"rid": "b" * 32, "p": "contoso", "o": bad, "n": [], "at": fresh()})
    rig.slack.click("confirm_cancel", value, channel=rig.channel, key="bad")
    assert "This button is no longer valid" in (rig.slack.only_response("bad").text or "")
    assert_no_side_effect(rig, before, replies_allowed=True)


def signed_confirm(rig: Rig, user: str) -> tuple[bytes, dict[str, str]]:
    """A Confirm click on a fresh confirmation, as its bytes and Slack's signed headers."""
    value = rig.slack.command("cancel contoso contoso-vm-offer", channel=rig.channel).button("confirm_cancel")["value"]
    payload = block_actions_payload(
        "confirm_cancel", value, user=user, channel=rig.channel, team=TEAM, response_url=rig.standin.response_url("c")
    )
    body = interaction_body(payload)
    return body, signed_headers(body)


def test_a_replayed_confirm_click_cancels_once(rig: Rig) -> None:
    body, headers = signed_confirm(rig, ALICE)
    transport = HttpTransport(rig.host.function_url)
    assert transport.post("slack/interactions", body, headers).status == 200
    assert transport.post("slack/interactions", body, headers).status == 200  # the same bytes, within the window
    [cancel] = rig.cancels()
    rig.finished(cancel.instance_id)
    texts = [m.text or "" for m in rig.standin.messages if m.method == "response_url"]
    assert sum("already requested by <@U0ALICE>" in t for t in texts) == 1, texts
    assert rig.cancel_posts() == 1


def test_a_replayed_confirm_after_the_window_is_refused(rig: Rig) -> None:
    body, _ = signed_confirm(rig, ALICE)
    stale = signed_headers(body, timestamp=time.time() - 301)
    before = Before.of(rig)
    assert HttpTransport(rig.host.function_url).post("slack/interactions", body, stale).status == 401
    assert_no_side_effect(rig, before)


@pytest.mark.parametrize(
    "forge",
    [
        lambda p: p["user"].update(id=ALICE),
        lambda p: p["user"].update(id=ALICE, username="u0alice", name="u0alice"),
        lambda p: p.update(user={"id": ALICE, "team_id": TEAM}),
        lambda p: p["channel"].update(id="C0ELSEWHERE"),
    ],
    ids=["user-id", "user-id-and-names", "whole-user", "channel"],
)
def test_a_click_rewritten_after_signing_to_name_someone_else_is_refused(rig: Rig, forge: Any) -> None:
    """Mallory holds no signing secret: all she can do is send her own signed click with Alice's name in it."""
    body, headers = signed_confirm(rig, MALLORY)
    payload = json.loads(dict(parse_qsl(body.decode()))["payload"])
    forge(payload)
    forged = interaction_body(payload)
    assert forged != body
    before = Before.of(rig)
    assert HttpTransport(rig.host.function_url).post("slack/interactions", forged, headers).status == 401
    assert_no_side_effect(rig, before)


def test_a_command_without_a_user_gets_an_answer_not_a_crash(rig: Rig) -> None:
    body = urlencode({"command": "/cpp", "text": "cancel contoso contoso-vm-offer"}).encode()
    reply = HttpTransport(rig.host.function_url).post("slack/commands", body, signed_headers(body))
    assert_slack_shaped(reply.status, reply.body)
    assert rig.emulator.requests == []
