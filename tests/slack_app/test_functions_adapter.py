"""The Azure Functions <-> Bolt adapter: requests in, responses out, hostile bodies refused."""

from __future__ import annotations

from typing import Any

import azure.functions as func
from slack_bolt import BoltResponse

from slack_app.functions_adapter import MAX_BODY_BYTES, handle, to_bolt_request, to_http_response


def request(
    body: bytes, headers: dict[str, str] | None = None, params: dict[str, str] | None = None
) -> func.HttpRequest:
    return func.HttpRequest(
        "POST", "http://localhost/api/slack/commands", headers=headers or {}, params=params, body=body
    )


def test_the_bolt_request_carries_the_raw_body_headers_query_and_context() -> None:
    body = b"command=%2Fcpp&text=ops+contoso+x&user_id=U0ALICE"
    bolt = to_bolt_request(
        request(body, {"X-Slack-Signature": "v0=1", "X-Slack-Bolt-Lazy-Only": "1"}, {"a": "b"}), {"durable": "d"}
    )
    assert bolt.raw_body == body.decode()
    assert bolt.body["text"] == "ops contoso x"
    assert bolt.headers["x-slack-signature"] == ["v0=1"]
    assert "x-slack-bolt-lazy-only" not in bolt.headers and not bolt.lazy_only
    assert bolt.query == {"a": ["b"]}
    assert bolt.context["durable"] == "d"


def test_bolt_responses_become_http_responses() -> None:
    text = to_http_response(BoltResponse(status=200, body="hi", headers={"x-a": "1"}))
    assert (text.status_code, text.get_body(), text.headers["x-a"]) == (200, b"hi", "1")
    data = to_http_response(BoltResponse(status=401, body={"error": "invalid request"}))
    assert data.status_code == 401 and data.get_body() == b'{"error": "invalid request"}'
    assert data.headers["content-type"].startswith("application/json")


def test_oversized_bodies_are_refused_before_bolt_sees_them() -> None:
    class NoApp:
        def dispatch(self, req: Any) -> Any:
            raise AssertionError("must not dispatch")

    response = handle(NoApp(), "secret", request(b"x" * (MAX_BODY_BYTES + 1)))  # type: ignore[arg-type]
    assert response.status_code == 413
