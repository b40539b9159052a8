"""The stand-in's products and submissions, and how they move: pure state, changed only under the server's lock.

Submissions move only when told to (`move`, or the control endpoint), never on a clock, so a test says exactly what
the app reads. `move` without a target takes one step along the documented path: InProgress/InDraft ->
InProgress/Submitted -> Published/ReadyToPublish -> (promote) Published/Publishing -> Published/Published ->
Published/InStore.

What a 204 DELETE leaves behind is not documented, so it is a switch (`after_delete`): `remove` (the submission is no
longer listed; the default), `draft` (it stays listed as InProgress/InDraft) or `new-draft` (it goes, and a new
InProgress/InDraft submission takes its place). The app must cope with each.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

AFTER_DELETE = ("remove", "draft", "new-draft")
PATH = (
    ("InProgress", "InDraft"),
    ("InProgress", "Submitted"),
    ("Published", "ReadyToPublish"),
    ("Published", "Publishing"),
    ("Published", "Published"),
    ("Published", "InStore"),
)
STEP_NAMES = ("Automated validation", "Certification", "Preview creation", "Publish")
# substate -> (steps done, the state of the step after them); InDraft has no workflow yet, the rest are done.
_PROGRESS = {
    "Submitted": (1, "InProgress"),
    "Failed": (1, "Failed"),
    "FailedInCertification": (1, "Failed"),
    "ReadyToPublish": (3, "NotStarted"),
    "Publishing": (3, "InProgress"),
}
FIRST_SUBMISSION_ID = 1152921505695130000  # submission IDs are long numbers (navcontainerhelper's examples)
START = "2025-04-18T13:24:44.1234567Z"


@dataclass
class Submission:
    id: str
    state: str = "InProgress"
    substate: str = "Submitted"
    release_number: int = 1
    target: str = "Preview"

    def body(self) -> dict[str, Any]:
        published = self.state == "Published"
        return {
            "resourceType": "Submission",
            "state": self.state,
            "substate": self.substate,
            "targets": [{"type": "Scope", "value": self.target}],
            "resources": [],
            "publishOption": {"isManualPublish": True, "isAutoPromote": False},
            **({"publishedTimeInUtc": START} if published else {}),
            "pendingUpdateInfo": {"updateType": "Create", "status": "Completed" if published else "Running"},
            "releaseNumber": self.release_number,
            "friendlyName": f"Submission {self.release_number}",
            "areResourcesReady": True,
            "id": self.id,
        }

    def workflow(self) -> list[dict[str, Any]]:
        """One Push workflow whose steps say how far the submission got (none while it is a draft)."""
        if self.substate == "InDraft":
            return []
        done, current = _PROGRESS.get(self.substate, (len(STEP_NAMES), "Success"))
        steps = []
        for index, name in enumerate(STEP_NAMES):
            state = "Success" if index < done else current if index == done else "NotStarted"
            steps.append({"name": name, "state": state, "startDateTimeInUtc": START} | _completed(state))
        overall = current if current != "NotStarted" else "InProgress"
        detail = {"type": "Push", "state": overall, "targetEnvironment": self.target, "workflowSteps": steps}
        return [detail | {"startDateTimeInUtc": START} | _completed(overall)]

    def step(self) -> None:
        """One step along PATH (a submission at its end, or off the path, stays where it is)."""
        here = (self.state, self.substate)
        if here in PATH and PATH.index(here) + 1 < len(PATH):
            self.state, self.substate = PATH[PATH.index(here) + 1]


def _completed(state: str) -> dict[str, str]:
    return {"completeDateTimeInUtc": START} if state in ("Success", "Failed") else {}


@dataclass
class Product:
    id: str
    offer_id: str
    resource_type: str = "AzureApplication"
    name: str | None = None
    odata_paging: bool = False  # its submissions' pages link with an absolute `@odata.nextLink`
    submissions: list[Submission] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {
            "resourceType": self.resource_type,
            "name": self.name or self.offer_id,
            "externalIDs": [{"type": "AzureOfferId", "value": self.offer_id}],
            "isModularPublishing": True,
            "id": self.id,
        }

    def submission(self, submission_id: str) -> Submission | None:
        return next((s for s in self.submissions if s.id == submission_id), None)


def skip_token(offset: int) -> str:
    """An opaque token, like the API's (base64 of JSON)."""
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def offset_of(token: str | None) -> int:
    """The offset in a token this stand-in made; ValueError for anything else."""
    if not token:
        return 0
    data = json.loads(base64.b64decode(token + "=" * (-len(token) % 4), validate=True))
    offset = data.get("offset") if isinstance(data, dict) else None
    if not isinstance(offset, int) or offset < 0:
        raise ValueError("not a skip token of this stand-in")
    return offset


@dataclass
class Catalog:
    products: dict[str, Product] = field(default_factory=dict)
    after_delete: str = "remove"
    next_id: int = FIRST_SUBMISSION_ID

    def add_product(self, offer_id: str, product_id: str, **options: Any) -> Product:
        product = Product(product_id.lower(), offer_id, **options)
        self.products[product.id] = product
        return product

    def add_submission(self, product_id: str, submission_id: str | None = None, **options: Any) -> Submission:
        product = self.products[product_id.lower()]
        if "release_number" not in options:
            options["release_number"] = max((s.release_number for s in product.submissions), default=0) + 1
        submission = Submission(submission_id or self._new_id(), **options)
        product.submissions = [s for s in product.submissions if s.id != submission.id] + [submission]
        return submission

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def delete(self, product: Product, submission: Submission) -> None:
        """A 204's effect, as `after_delete` says."""
        if self.after_delete == "draft":
            submission.state, submission.substate = "InProgress", "InDraft"
            return
        product.submissions.remove(submission)
        if self.after_delete == "new-draft":
            self.add_submission(product.id, state="InProgress", substate="InDraft")
