"""A local stand-in for Partner Center's submission API (Azure Application offers), over real loopback HTTP (tests,
dev host, demo).

The documented shapes and the recorded quirks: `GET /products?$filter=externalIDs/Any(...)` finds an offer's product
(and pages with a relative `nextLink` that drops the `$filter`, as recorded); `GET /products/{id}/submissions` lists
its submissions in every state and substate; `.../submissions/{id}` and `.../workflowdetails` read one; `DELETE
.../submissions/{id}` answers 204 only for an InProgress submission and an undocumented-looking refusal otherwise
(409 by default, switchable: the app must not depend on its code). Errors are a JSON string holding a code, a
sentence and JSON (`"ICH50409 - Unable to complete request. {...}"`); 429 comes without `Retry-After` unless told.
Every call needs the stand-in's bearer token, and every one is recorded with the token it presented. The app never
sends `DELETE /products/{id}`: the stand-in would carry it out, and `product_deletes()` lists any.

    with SubmissionStandIn() as api:
        product = api.add_product("contoso-app")
        api.add_submission(product.id, state="InProgress", substate="Submitted")
        api.set_faults(throttle=2, after_delete="draft")
        api.base_url, api.token, api.deletes(), api.product_deletes()

- server.py: `SubmissionStandIn` on the shared stand-in server: routes, error bodies, paging, the switches.
- state.py: products and submissions, how they move and what a 204 leaves behind (pure).
- controls.py: the control endpoints (`POST /_standin/products`, `submissions`, `move`, `faults`, `reset`,
  `GET /_standin/requests`) and the one `$filter` it understands.
"""

from devhost.standins.server import RecordedRequest
from devhost.standins.submission.server import DEFAULT_TOKEN, REFUSED, THROTTLED, SubmissionStandIn
from devhost.standins.submission.state import AFTER_DELETE, Product, Submission

__all__ = [
    "AFTER_DELETE",
    "DEFAULT_TOKEN",
    "REFUSED",
    "THROTTLED",
    "Product",
    "RecordedRequest",
    "Submission",
    "SubmissionStandIn",
]
