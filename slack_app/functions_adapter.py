"""Azure Functions <-> Bolt: `func.HttpRequest` to `BoltRequest`, `BoltResponse` to `func.HttpResponse`.

In the style of Bolt's own `adapter/aws_lambda/handler.py` (Bolt ships none for Azure Functions). Bolt's request
verification is what checks the signature; this adapter only makes sure every request reaches it intact (the raw
body, as received) and that nothing else answers first:

- bodies over `MAX_BODY_BYTES` get 413 without being parsed or dispatched;
- Bolt's internal `x-slack-bolt-*` headers (lazy-listener plumbing, which are not signed) are dropped if a client
  sends them;
- a non-numeric `X-Slack-Request-Timestamp` is refused with 401 (slack_sdk's verifier would raise on it, and
  Bolt would answer 500);
- a body Bolt cannot even parse (not UTF-8, broken JSON in `payload`, a `payload` that is not a JSON object) is
  checked with slack_sdk's SignatureVerifier: 401 when unsigned, 400 when Slack really signed it;
- a click whose `actions` is not a non-empty list of objects gets 400: Bolt's listener matching reads
  `actions[0]["action_id"]` unguarded and would answer 500.

The durable client reaches the listeners separately, through `slack_app.durable_port`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import azure.functions as func
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.request.internals import build_normalized_headers, extract_content_type, parse_body
from slack_sdk.signature import SignatureVerifier

from cppcancel.http_errors import error_body

log = logging.getLogger("slack_app.functions_adapter")

MAX_BODY_BYTES = 64 * 1024
_INTERNAL_HEADER_PREFIX = "x-slack-bolt-"


class MalformedRequest(ValueError):
    """The body cannot be turned into a Bolt request at all."""


def json_response(status: int, payload: Mapping[str, Any]) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(payload), status_code=status, mimetype="application/json")


def _headers(req: func.HttpRequest) -> dict[str, str | Sequence[str]]:
    return {k.lower(): v for k, v in req.headers.items() if not k.lower().startswith(_INTERNAL_HEADER_PREFIX)}


def to_bolt_request(req: func.HttpRequest, context: Mapping[str, Any] | None = None) -> BoltRequest:
    """The raw body (Bolt verifies the signature over exactly these bytes), query and headers.

    Bolt parses the body when the request is built - before its signature check - and assumes the result is a JSON
    object: a `payload` that is an array, a number or null would crash it. So the body is read first with Bolt's
    own parser, and anything that is not an object is a MalformedRequest.
    """
    headers = _headers(req)
    try:
        body = req.get_body().decode("utf-8")
        parsed: object = parse_body(body, extract_content_type(build_normalized_headers(headers)))
    except ValueError as exc:  # UnicodeDecodeError, json.JSONDecodeError
        raise MalformedRequest(type(exc).__name__) from None
    if not isinstance(parsed, dict):
        raise MalformedRequest(f"the body is a JSON {type(parsed).__name__}, not an object")
    problem = _shape_problem(parsed)
    if problem is not None:
        raise MalformedRequest(problem)
    return BoltRequest(body=body, query=dict(req.params), headers=headers, context=dict(context or {}))


# The payload types whose first action Bolt matches listeners against (slack_bolt.request.payload_utils.to_action).
_ACTION_TYPES = frozenset({"block_actions", "interactive_message"})


def _shape_problem(parsed: Mapping[str, Any]) -> str | None:
    """What in a parsed payload Bolt would crash on, or None. Slack's block_actions always carry a non-empty
    `actions` list of objects, each with a string `action_id`."""
    if parsed.get("type") not in _ACTION_TYPES:
        return None
    actions = parsed.get("actions")
    if not isinstance(actions, list) or not actions:
        return "the payload's actions are not a non-empty list"
    if not all(isinstance(action, dict) for action in actions):
        return "the payload's actions are not all objects"
    if not all(isinstance(action.get("action_id", ""), str) for action in actions):
        return "an action_id is not a string"
    return None


def to_http_response(resp: BoltResponse) -> func.HttpResponse:
    body = resp.body if isinstance(resp.body, str) else json.dumps(resp.body)
    return func.HttpResponse(body, status_code=resp.status, headers=resp.first_headers_without_set_cookie())


# ASCII digits only: str.isdigit() also accepts "²", on which slack_sdk's int() raises.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def _signed_by_slack(req: func.HttpRequest, signing_secret: str) -> bool:
    headers = {k.lower(): v for k, v in req.headers.items()}
    try:
        return SignatureVerifier(signing_secret).is_valid(
            req.get_body(), headers.get("x-slack-request-timestamp", "0"), headers.get("x-slack-signature", "")
        )
    except ValueError:  # a body that is not UTF-8 or a timestamp that is not a number: Slack sends neither
        return False


def handle(
    app: App, signing_secret: str, req: func.HttpRequest, context: Mapping[str, Any] | None = None
) -> func.HttpResponse:
    """Dispatch one request to Bolt (blocking: call it through `asyncio.to_thread` from an async function)."""
    if len(req.get_body()) > MAX_BODY_BYTES:
        return json_response(413, error_body("body_too_large", "request body too large"))
    timestamp = req.headers.get("x-slack-request-timestamp")
    if timestamp is not None and not _TIMESTAMP.fullmatch(timestamp.strip()):
        # slack_sdk's verifier raises on a non-numeric timestamp, which Bolt turns into a 500: refuse it as unsigned.
        log.warning("refused a Slack request with a malformed timestamp header")
        return json_response(401, error_body("invalid_signature", "invalid request"))
    # Slack's rule: verify the raw bytes before any parsing. Bolt parses the body (and digs user/team IDs out of the
    # payload) while building its request, before its own check runs, and a hostile shape such as
    # {"user": false} would crash it into a 500. Bolt's verification still runs on every request that gets through.
    if not _signed_by_slack(req, signing_secret):
        log.warning("refused a Slack request with a missing, bad or stale signature")
        return json_response(401, error_body("invalid_signature", "invalid request"))
    try:
        bolt_request = to_bolt_request(req, context)
    except MalformedRequest as exc:
        log.warning("refused a signed Slack request with a malformed body (%s)", exc)
        return json_response(400, error_body("malformed_request", "malformed request"))
    except (AttributeError, KeyError, TypeError) as exc:
        log.warning("Slack sent a body that cannot be parsed (%s)", type(exc).__name__)
        return json_response(400, error_body("malformed_request", "malformed request"))
    response = app.dispatch(bolt_request)
    if response.status == 401:
        log.warning("refused a Slack request with a missing, bad or stale signature")
    return to_http_response(response)
