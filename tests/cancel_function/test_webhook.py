"""The signed webhook end to end: real HTTP into the dev host serving function_app, the real cancel orchestration,
the CPP emulator and the Slack stand-in over loopback. Every refusal is checked for "no cancel reached the CPP"."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from devhost.host import DevHost, DevHostOptions
from devhost.standins.slack import SlackStandIn
from tests.conftest import BOT_TOKEN, app_settings
from tests.devhost.conftest import Response, fetch, restored_environ

PIPELINE_KEY = "whsec_" + "cGlwZWxpbmUta2V5LW9uZS0xMjM0NTY3ODkw"
ROTATED_KEY = "whsec_" + "cGlwZWxpbmUta2V5LXR3by0wOTg3NjU0MzIx"
INTRUDER_KEY = "whsec_" + "aW50cnVkZXIta2V5LTEyMzQ1Njc4OTAxMjM0"
UNKNOWN_KEY = "whsec_" + "bm90LWNvbmZpZ3VyZWQtYW55d2hlcmUtMTIz"


@dataclass
class Harness:
    host: DevHost
    emulator: Any
    standin: SlackStandIn

    @property
    def url(self) -> str:
        return self.host.function_url("webhooks/cancel")

    def post(
        self,
        body: dict[str, Any] | bytes,
        *,
        key: str = PIPELINE_KEY,
        msg_id: str | None = None,
        at: datetime | None = None,
        headers: dict[str, str] | None = None,
        signed_body: bytes | None = None,
    ) -> Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        at = at or datetime.now(UTC)
        signature = Webhook(key).sign(msg_id, at, (signed_body or data).decode("utf-8", errors="replace"))
        signed = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature,
        }
        return fetch("POST", self.url, data, {**signed, **(headers or {})}, timeout=30)

    def cancels(self) -> int:
        count: int = self.emulator.cancel_count()
        return count


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    from devhost.standins.cpp import EmulatorServer

    with restored_environ(), EmulatorServer(step_seconds=0.3) as emulator, SlackStandIn(bot_token=BOT_TOKEN) as standin:
        keys = f"release-pipeline={PIPELINE_KEY},release-pipeline={ROTATED_KEY} intruder={INTRUDER_KEY}"
        os.environ.update(app_settings(emulator, standin, WEBHOOK_SECRET=keys, WEBHOOK_WAIT_S="15"))
        data_dir = tmp_path_factory.mktemp("webhook") / "data"
        host = DevHost(DevHostOptions(app="function_app:app", port=0, data_dir=data_dir, use_local_settings=False))
        host.start()
        try:
            yield Harness(host, emulator, standin)
        finally:
            host.stop()


def body(offer: str = "contoso-vm-offer", **changes: Any) -> dict[str, Any]:
    return {
        "publisherId": "contoso",
        "offerId": offer,
        "notificationEmails": ["release@contoso.com"],
        "requestedBy": "release-pipeline",
        **changes,
    }


def error_code(response: Response) -> str:
    payload = response.json()
    assert set(payload) == {"error"}
    assert set(payload["error"]) == {"code", "message"}
    assert payload["error"]["message"]
    code: str = payload["error"]["code"]
    return code


def test_accepted_cancel_starts_a_watcher_and_a_retry_never_cancels_twice(harness: Harness) -> None:
    before = harness.emulator.cancel_count("contoso-vm-offer")
    first = harness.post(body(), msg_id="msg_release_42")
    assert first.status == 202, first.body
    answer = first.json()
    assert answer["status"] == "accepted"
    assert answer["instanceId"].startswith("watch-")
    assert first.headers["location"] == answer["statusUrl"]
    assert "/api/publishers/contoso/offers/contoso-vm-offer/operations/" in answer["operationUrl"]

    again = harness.post(body(), msg_id="msg_release_42")
    assert (again.status, again.json()) == (202, answer)
    assert harness.emulator.cancel_count("contoso-vm-offer") == before + 1

    status = fetch("GET", answer["statusUrl"])
    assert status.status == 200
    assert status.json()["instanceId"] == answer["instanceId"]
    assert status.json()["runtimeStatus"] in ("Pending", "Running", "Completed")


def test_synchronous_cancel_answers_200(harness: Harness) -> None:
    response = harness.post(body("contoso-saas-offer"))
    assert response.status == 200, response.body
    assert response.json() == {"status": "cancelled", "statusCode": 200}


def test_ids_in_another_case_are_the_lowercase_offer(harness: Harness) -> None:
    before = harness.emulator.cancel_count("contoso-saas-offer")
    response = harness.post(body("Contoso-SaaS-Offer", publisherId="CONTOSO"))
    assert response.status == 200, response.body
    assert harness.emulator.cancel_count("contoso-saas-offer") == before + 1
    post = [r for r in harness.emulator.requests if r.method == "POST"][-1]
    assert post.path == "/api/publishers/contoso/offers/contoso-saas-offer/cancel"


def test_rotated_key_is_accepted(harness: Harness) -> None:
    assert harness.post(body("contoso-saas-offer"), key=ROTATED_KEY).status == 200


def test_cpp_refusal_is_a_json_error_naming_the_cpp(harness: Harness) -> None:
    response = harness.post(body("contoso-no-such-offer"))
    assert response.status == 404
    assert error_code(response) == "cpp_not_found"


def test_progress_goes_to_the_named_slack_channel(harness: Harness) -> None:
    response = harness.post(body("contoso-idle-offer", slackChannel="C0PIPELINE"))
    assert response.status == 202, response.body
    messages = harness.standin.wait_for(
        lambda ms: any(m.channel == "C0PIPELINE" and m.method == "chat.postMessage" for m in ms), timeout=10
    )
    assert any(
        "release-pipeline" in (m.text or "") + json.dumps(m.blocks) for m in messages if m.channel == "C0PIPELINE"
    )


def test_same_webhook_id_for_another_offer_is_a_conflict(harness: Harness) -> None:
    assert harness.post(body("contoso-saas-offer"), msg_id="msg_reused").status == 200
    before = harness.cancels()
    response = harness.post(body("contoso-vm-offer"), msg_id="msg_reused")
    assert response.status == 409
    assert error_code(response) == "idempotency_conflict"
    assert harness.cancels() == before


REFUSALS = [
    (
        "missing headers",
        lambda h: fetch("POST", h.url, json.dumps(body()), {"Content-Type": "application/json"}),
        401,
        "missing_signature",
    ),
    ("unknown key", lambda h: h.post(body(), key=UNKNOWN_KEY), 401, "bad_signature"),
    ("wrong signature", lambda h: h.post(body(), headers={"webhook-signature": "v1,AAAA"}), 401, "bad_signature"),
    (
        "tampered body",
        lambda h: h.post(body("contoso-saas-offer"), signed_body=json.dumps(body()).encode()),
        401,
        "bad_signature",
    ),
    ("garbage signature", lambda h: h.post(body(), headers={"webhook-signature": "nonsense"}), 401, "bad_signature"),
    ("stale", lambda h: h.post(body(), at=datetime.now(UTC) - timedelta(minutes=6)), 401, "stale_timestamp"),
    ("future", lambda h: h.post(body(), at=datetime.now(UTC) + timedelta(minutes=6)), 401, "stale_timestamp"),
    ("bad timestamp", lambda h: h.post(body(), headers={"webhook-timestamp": "soon"}), 401, "stale_timestamp"),
    ("malformed JSON", lambda h: h.post(b"{not json"), 400, "invalid_json"),
    ("deeply nested JSON", lambda h: h.post(b"[" * 5000), 400, "invalid_json"),
    ("not an object", lambda h: h.post(b"[1, 2]"), 400, "invalid_body"),
    (
        "duplicate key",
        lambda h: h.post(
            b'{"publisherId": "fabrikam", "publisherId": "contoso", "offerId": "contoso-saas-offer", '
            b'"requestedBy": "release-pipeline"}'
        ),
        400,
        "duplicate_key",
    ),
    (
        "duplicate key, nested",
        lambda h: h.post(
            b'{"publisherId": "contoso", "offerId": "contoso-saas-offer", "requestedBy": "release-pipeline", '
            b'"notificationEmails": [], "x": {"a": 1, "a": 2}}'
        ),
        400,
        "duplicate_key",
    ),
    ("unknown field", lambda h: h.post(body(force=True)), 400, "unknown_field"),
    ("wrong type", lambda h: h.post(body(notificationEmails="a@b.com")), 400, "invalid_type"),
    ("missing field", lambda h: h.post({"offerId": "x", "requestedBy": "release-pipeline"}), 400, "missing_field"),
    ("path in an ID", lambda h: h.post(body("../../admin")), 400, "invalid_value"),
    ("oversize", lambda h: h.post(body(requestedBy="x" * 20000)), 413, "body_too_large"),
    ("another caller's name", lambda h: h.post(body(), key=INTRUDER_KEY), 403, "caller_mismatch"),
    ("caller not in policy", lambda h: h.post(body(requestedBy="intruder"), key=INTRUDER_KEY), 403, "forbidden"),
    ("publisher not in policy", lambda h: h.post({**body(), "publisherId": "fabrikam"}), 403, "forbidden"),
]


@pytest.mark.parametrize(("case", "send", "status", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_are_specific_and_have_no_side_effect(
    harness: Harness, case: str, send: Any, status: int, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = harness.cancels()
    with caplog.at_level(logging.INFO, logger="cppcancel.audit"):
        response = send(harness)
    assert response.status == status, (case, response.body)
    assert error_code(response) == code
    assert harness.cancels() == before
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "cppcancel.audit"]
    assert any(r["source"] == "webhook" and r["decision"] != "allowed" for r in records), case
    assert not any(PIPELINE_KEY in r.getMessage() for r in caplog.records)


def test_status_of_unknown_or_foreign_instances_is_404(harness: Harness) -> None:
    base = harness.host.function_url("webhooks/operations/")
    for instance in ("watch-" + "0" * 32, "cancel-slack-" + "0" * 32, "anything"):
        response = fetch("GET", base + instance)
        assert response.status == 404
        assert error_code(response) == "not_found"


def test_disabled_webhook_refuses_everything(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from cppcancel.settings import reset_settings_cache

    monkeypatch.setenv("WEBHOOK_SECRET", "")
    reset_settings_cache()
    try:
        response = harness.post(body())
    finally:
        monkeypatch.undo()
        reset_settings_cache()
    assert response.status == 403
    assert error_code(response) == "webhook_disabled"
