"""The stand-in's control endpoints (under `/_standin/`, no token, never recorded) and the one filter it understands.

POST /_standin/products     {"offerId", "productId"?, "resourceType"?, "name"?, "odataPaging"?}
POST /_standin/submissions  {"productId", "submissionId"?, "state"?, "substate"?, "releaseNumber"?, "target"?}
POST /_standin/move         {"productId", "submissionId", "state"?, "substate"?}  (neither: one step along)
POST /_standin/faults       {"throttle"?, "retryAfter"?, "refusalStatus"?, "errorStyle"?, "pageSize"?,
                             "odataPaging"?, "afterDelete"?, "nextLink"?}
POST /_standin/reset
GET  /_standin/requests     every request received: method, path, query, auth marker, whether a token came
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from devhost.standins.server import Control, Reply, json_reply

if TYPE_CHECKING:
    from devhost.standins.submission.server import SubmissionStandIn

# The documented lookup of an offer's product; property names in either capitalisation (the swagger's examples use
# both), the type exactly as recorded traffic sends it.
_FILTER = re.compile(
    r"externalIDs/Any\((?P<v>\w+):(?P=v)/type eq '(?P<type>(?:[^']|'')*)'"
    r" and (?P=v)/value eq '(?P<value>(?:[^']|'')*)'\)",
    re.IGNORECASE,
)
_FAULTS = {
    "throttle": "throttle",
    "retryAfter": "retry_after",
    "refusalStatus": "refusal_status",
    "errorStyle": "error_style",
    "pageSize": "page_size",
    "odataPaging": "odata_paging",
    "afterDelete": "after_delete",
    "nextLink": "next_link",
}


def offer_of_filter(expression: str) -> str | None:
    """The offer ID a `$filter` looks for; None for any filter the stand-in does not support."""
    found = _FILTER.fullmatch(expression.strip())
    if found is None or found["type"] != "AzureOfferId":
        return None
    return found["value"].replace("''", "'")


def _fields(data: Any, names: Mapping[str, str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    unknown = set(data) - set(names) - set(required)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    missing = [name for name in required if not isinstance(data.get(name), str) or not data[name]]
    if missing:
        raise ValueError(f"{', '.join(missing)} required")
    return {attr: data[key] for key, attr in names.items() if key in data}


def endpoints(standin: SubmissionStandIn) -> Mapping[tuple[str, str], Control]:
    def products(data: Any) -> Reply:
        options = _fields(data, {"productId": "product_id", "resourceType": "resource_type", "name": "name",
                                 "odataPaging": "odata_paging"}, ("offerId",))  # fmt: skip
        return json_reply(200, standin.add_product(data["offerId"], **options).body())

    def submissions(data: Any) -> Reply:
        names = {"submissionId": "submission_id", "state": "state", "substate": "substate"}
        options = _fields(data, names | {"releaseNumber": "release_number", "target": "target"}, ("productId",))
        return json_reply(200, standin.add_submission(data["productId"], **options).body())

    def move(data: Any) -> Reply:
        options = _fields(data, {"state": "state", "substate": "substate"}, ("productId", "submissionId"))
        standin.move(data["productId"], data["submissionId"], **options)
        found = standin.catalog.products[data["productId"].lower()].submission(data["submissionId"])
        return json_reply(200, found.body() if found else {})

    def faults(data: Any) -> Reply:
        standin.set_faults(**_fields(data or {}, _FAULTS))
        now = {key: getattr(standin.faults, attr, None) for key, attr in _FAULTS.items()}
        return json_reply(200, now | {"afterDelete": standin.catalog.after_delete})

    def reset(data: Any) -> Reply:
        standin.reset()
        return json_reply(200, {})

    def requests(data: Any) -> Reply:
        seen = [
            {
                "method": r.method,
                "path": r.path,
                "query": dict(r.query),
                "auth": r.auth,
                "hasToken": r.token is not None,
            }
            for r in standin.requests
        ]
        return json_reply(200, {"requests": seen})

    return {
        ("POST", "products"): products,
        ("POST", "submissions"): submissions,
        ("POST", "move"): move,
        ("POST", "faults"): faults,
        ("POST", "reset"): reset,
        ("GET", "requests"): requests,
    }
