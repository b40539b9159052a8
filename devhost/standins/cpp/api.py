"""The emulated API surface: authentication, api-version, routing, and the answers' shapes and headers.

Pure given its inputs (the state, `now`, the base URL): the HTTP server only parses requests and writes `Reply`s.
Checks happen in this order: bearer token (401), api-version (400), route (404/405), publisher access (403/404),
offer (404), so an unauthenticated caller learns nothing about what exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import quote, unquote

from devhost.standins.cpp.faults import Fault
from devhost.standins.cpp.state import CancelMode, EmuOffer, EmuOperation, PortalState
from devhost.standins.server import AUTH_VALID, Reply, StandInRequest, auth_marker, json_reply

API_VERSION = "2017-10-31"
_SEGMENT = r"(?P<{}>[^/]+)"
_OFFER = rf"/api/publishers/{_SEGMENT.format('p')}/offers/{_SEGMENT.format('o')}"
_ROUTES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("cancel", "POST", re.compile(rf"{_OFFER}/cancel/?")),
    ("submissions", "GET", re.compile(rf"{_OFFER}/submissions/?")),
    ("operation", "GET", re.compile(rf"{_OFFER}/operations/{_SEGMENT.format('id')}/?")),
    ("legacy_operation", "GET", re.compile(r"/api/operations/(?P<ref>[^/]+)/?")),
)
_LEGACY_REF = re.compile(r"(?P<p>[^$]+)\$(?P<o>[^$]+)\$2\$preview")


def error_reply(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Reply:
    """The CPP's error body."""
    return json_reply(status, {"error": {"code": code, "message": message}}, headers)


def dispatch(
    state: PortalState, request: StandInRequest, *, token: str, now: float, base_url: str, fault: Fault | None
) -> Reply:
    marker = auth_marker(request.headers.get("authorization"), token)
    if marker != AUTH_VALID:
        return error_reply(
            401,
            "Unauthorized",
            "Authentication failed: a valid bearer token for https://cloudpartner.azure.com is required.",
            {"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common"'},
        )
    if request.query.get("api-version") != API_VERSION:
        return error_reply(
            400,
            "InvalidAPIVersion",
            f"The api-version {request.query.get('api-version')!r} is not supported; use {API_VERSION}.",
        )
    for name, method, pattern in _ROUTES:
        match = pattern.fullmatch(request.path)
        if match is None:
            continue
        if request.method != method:
            return error_reply(405, "MethodNotAllowed", f"{request.method} is not supported on this resource.")
        params = {k: unquote(v) for k, v in match.groupdict().items()}
        if name == "legacy_operation":
            ref = _LEGACY_REF.fullmatch(params["ref"])
            if ref is None:
                return error_reply(404, "NotFound", "The operation was not found.")
            publisher_id, offer_id = ref["p"], ref["o"]
        else:
            publisher_id, offer_id = params["p"], params["o"]
        access = state.publisher_access(publisher_id)
        if access == "forbidden":
            return error_reply(
                403,
                "Forbidden",
                f"The client does not have access to publisher '{publisher_id}'. Add the application in Partner "
                "Center (Manage Azure AD applications).",
            )
        offer = state.offer(publisher_id, offer_id) if access == "ok" else None
        if offer is None:
            kind = "publisher" if access == "missing" else "offer"
            return error_reply(
                404, "NotFound", f"The {kind} '{publisher_id if kind == 'publisher' else offer_id}' was not found."
            )
        if name == "cancel":
            return _cancel(state, offer, request, now=now, base_url=base_url, fault=fault)
        if name == "submissions":
            wanted = request.query.get("status") or request.query.get("submissionState")
            return json_reply(200, state.submissions(offer, now, wanted))
        if name == "legacy_operation":
            operation = offer.cancels[-1] if offer.cancels else None  # this form names the offer's cancel
        else:
            operation = state.find_operation(offer, params["id"])
        if operation is None:
            return error_reply(404, "NotFound", "The operation was not found.")
        body = state.operation_json(operation, now)
        return json_reply(200, [body] if offer.settings.operation_shape == "array" else body)
    return error_reply(404, "NotFound", "No such API.")


def _cancel(
    state: PortalState, offer: EmuOffer, request: StandInRequest, *, now: float, base_url: str, fault: Fault | None
) -> Reply:
    emails = ""
    if request.body.strip():
        if not request.headers.get("content-type", "").lower().startswith("application/json"):
            return error_reply(415, "UnsupportedMediaType", "The request body must be application/json.")
        try:
            data = json.loads(request.body)
        except ValueError:
            return error_reply(400, "InvalidRequest", "The request body is not valid JSON.")
        metadata = data.get("metadata", {}) if isinstance(data, dict) else None
        raw_emails = metadata.get("notification-emails", "") if isinstance(metadata, dict) else None
        if not isinstance(raw_emails, str):
            return error_reply(
                400, "InvalidRequest", 'The body must look like {"metadata": {"notification-emails": "..."}}.'
            )
        emails = raw_emails
    answer = state.cancel(offer, emails=emails, now=now, override=fault.operation if fault else None)
    if answer.operation is None:
        return Reply(200)
    return Reply(202, headers=_operation_headers(offer, answer.operation, base_url, fault))


def _operation_headers(offer: EmuOffer, operation: EmuOperation, base_url: str, fault: Fault | None) -> dict[str, str]:
    if fault is not None and fault.operation_location is not None:
        return {"Operation-Location": fault.operation_location}
    if fault is not None and fault.location is not None:
        return {"Location": fault.location}
    p, o = quote(offer.publisher_id, safe=""), quote(offer.seed.offer_id, safe="")
    path = f"/api/publishers/{p}/offers/{o}/operations/{operation.id}"
    mode = offer.settings.cancel_mode
    if mode is CancelMode.LOCATION:
        return {"Location": f"{path}?api-version={API_VERSION}"}
    if mode is CancelMode.LOCATION_OPERATIONS:
        return {"Location": f"/api/operations/{p}${o}$2$preview?api-version={API_VERSION}"}
    return {"Operation-Location": f"{base_url}{path}"}
