"""The Partner Center submission API's JSON as types, parsed once and tolerantly (pure: no I/O).

What is parsed: a product (`GET /products?$filter=...`: `id`, `resourceType`, `externalIDs`), a submission
(`GET /products/{productId}/submissions`: `id`, `state`, `substate`, `targets`, `releaseNumber`, ...), a submission's
workflow details (`.../workflowdetails`: `type`, `state`, `targetEnvironment`, `workflowSteps`), and the page every
collection comes in (`value` plus a next link spelled `nextLink` - relative, in recorded traffic - or
`@odata.nextLink`, in the swagger). Field names and shapes follow the swagger of 2022-10-27 and the recorded traffic of
Microsoft's CLI extension (../shared/reference/partner-center-submission-api.md).

`state` and `substate` are matched whatever their capitalisation (`inprogress`, `InProgress`, `IN_PROGRESS`); a value
no source lists becomes UNKNOWN with the raw word kept and shown. Fields not read here are kept in `extra`, and
`to_json()` writes back what `from_json()` reads, so a submission crosses the durable boundary as JSON and is read the
same way again (exact re-serialisation is not a goal). Nothing here raises on a value it does not know; `from_json`
raises ValueError only when the body is not the object it names at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cppcancel import jsonread

OFFER_ID_TYPE = "AzureOfferId"  # the externalIDs type whose value is the offer ID (recorded traffic spells it so)


class State(StrEnum):
    IN_PROGRESS = "InProgress"
    PUBLISHED = "Published"
    UNKNOWN = "unknown"


class Substate(StrEnum):
    IN_DRAFT = "InDraft"
    SUBMITTED = "Submitted"
    FAILED = "Failed"
    FAILED_IN_CERTIFICATION = "FailedInCertification"
    READY_TO_PUBLISH = "ReadyToPublish"
    PUBLISHING = "Publishing"
    PUBLISHED = "Published"
    IN_STORE = "InStore"
    UNKNOWN = "unknown"


def _key(raw: object) -> str:
    return re.sub(r"[^a-z]", "", raw.lower()) if isinstance(raw, str) else ""


_STATES = {_key(s.value): s for s in State if s is not State.UNKNOWN}
_SUBSTATES = {_key(s.value): s for s in Substate if s is not Substate.UNKNOWN}


def parse_state(raw: object) -> State:
    return _STATES.get(_key(raw), State.UNKNOWN)


def parse_substate(raw: object) -> Substate:
    return _SUBSTATES.get(_key(raw), Substate.UNKNOWN)


def _object(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"the {what} is a JSON {type(data).__name__}, not an object")
    return data


def _identified(data: object, what: str) -> tuple[Mapping[str, Any], str]:
    """The object and its `id` (products and submissions are nothing without one)."""
    body = _object(data, what)
    found = jsonread.first_id(body, "id")
    if found is None:
        raise ValueError(f"the {what} has no id")
    return body, found


def _extra(data: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in known}


def _without_none(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class TypeValue:
    """The API's `{"type", "value"}` pair (external IDs, targets, resources)."""

    type: str
    value: str

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "value": self.value}


def _pairs(value: object) -> tuple[TypeValue, ...]:
    found = []
    for item in jsonread.objects(value):
        kind, text = jsonread.first_id(item, "type", "Type"), jsonread.first_id(item, "value", "Value")
        if kind is not None and text is not None:
            found.append(TypeValue(kind, text))
    return tuple(found)


_PRODUCT_KNOWN = frozenset({"id", "resourceType", "name", "externalIDs"})


@dataclass(frozen=True)
class Product:
    """A product: its GUID `id` (what every other call names), what kind it is, and the offer IDs it is known by."""

    id: str
    resource_type: str | None = None
    name: str | None = None
    external_ids: tuple[TypeValue, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object) -> Product:
        body, product_id = _identified(data, "product")
        return cls(
            id=product_id,
            resource_type=jsonread.first_id(body, "resourceType"),
            name=jsonread.first_id(body, "name"),
            external_ids=_pairs(body.get("externalIDs", body.get("externalIds"))),
            extra=_extra(body, _PRODUCT_KNOWN),
        )

    def to_json(self) -> dict[str, Any]:
        known = {"id": self.id, "resourceType": self.resource_type, "name": self.name}
        return {**self.extra, **_without_none(known), "externalIDs": [p.to_json() for p in self.external_ids]}

    @property
    def offer_ids(self) -> tuple[str, ...]:
        return tuple(p.value for p in self.external_ids if _key(p.type) == _key(OFFER_ID_TYPE))

    def is_offer(self, offer_id: str) -> bool:
        """Whether this product is the offer (offer IDs are lowercase in Partner Center; compared without case)."""
        return offer_id.lower() in (o.lower() for o in self.offer_ids)


@dataclass(frozen=True)
class PendingUpdate:
    update_type: str | None = None
    status: str | None = None
    href: str | None = None
    failure_reason: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingUpdate | None:
        found = cls(
            jsonread.first_id(data, "updateType"),
            jsonread.first_id(data, "status"),
            jsonread.first_id(data, "href"),
            jsonread.first_id(data, "failureReason"),
        )
        return None if found == cls() else found

    def to_json(self) -> dict[str, Any]:
        keys = {"updateType": self.update_type, "status": self.status, "href": self.href}
        return _without_none({**keys, "failureReason": self.failure_reason})


_SUBMISSION_KNOWN = frozenset(
    {
        "id",
        "state",
        "substate",
        "targets",
        "releaseNumber",
        "friendlyName",
        "publishedTimeInUtc",
        "pendingUpdateInfo",
        "areResourcesReady",
    }
)


@dataclass(frozen=True)
class Submission:
    """One submission of a product. `publishOption`, `resources` and the rest stay in `extra`, as sent."""

    id: str
    state: State = State.UNKNOWN
    substate: Substate = Substate.UNKNOWN
    raw_state: str | None = None
    raw_substate: str | None = None
    targets: tuple[TypeValue, ...] = ()
    release_number: int | None = None
    friendly_name: str | None = None
    published_time_in_utc: str | None = None
    pending_update: PendingUpdate | None = None
    are_resources_ready: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object) -> Submission:
        body, submission_id = _identified(data, "submission")
        raw_state, raw_substate = jsonread.first_id(body, "state"), jsonread.first_id(body, "substate")
        return cls(
            id=submission_id,
            state=parse_state(raw_state),
            substate=parse_substate(raw_substate),
            raw_state=raw_state,
            raw_substate=raw_substate,
            targets=_pairs(body.get("targets")),
            release_number=jsonread.first_whole(body, "releaseNumber"),
            friendly_name=jsonread.first_id(body, "friendlyName"),
            published_time_in_utc=jsonread.first_id(body, "publishedTimeInUtc"),
            pending_update=PendingUpdate.from_json(jsonread.mapping(body.get("pendingUpdateInfo"))),
            are_resources_ready=jsonread.maybe_flag(body.get("areResourcesReady")),
            extra=_extra(body, _SUBMISSION_KNOWN),
        )

    def to_json(self) -> dict[str, Any]:
        known = {
            "id": self.id,
            "state": self.raw_state,
            "substate": self.raw_substate,
            "releaseNumber": self.release_number,
            "friendlyName": self.friendly_name,
            "publishedTimeInUtc": self.published_time_in_utc,
            "pendingUpdateInfo": self.pending_update.to_json() if self.pending_update else None,
            "areResourcesReady": self.are_resources_ready,
        }
        return {**self.extra, **_without_none(known), "targets": [t.to_json() for t in self.targets]}

    @property
    def words(self) -> str:
        """The API's own words for where it is: `InProgress (Submitted)`; unknown values verbatim."""
        state = self.raw_state or "no state"
        return f"{state} ({self.raw_substate})" if self.raw_substate else state

    @property
    def target_words(self) -> str | None:
        """Where it is going (`Preview`, `Live`), from its targets."""
        return ", ".join(t.value for t in self.targets) or None

    @property
    def title(self) -> str:
        """What people call it: `Submission 28` (its friendly name), else its release number or ID."""
        if self.friendly_name:
            return self.friendly_name
        return f"release {self.release_number}" if self.release_number is not None else f"submission {self.id}"


@dataclass(frozen=True)
class WorkflowStep:
    name: str
    state: str | None = None
    started_at: str | None = None
    completed_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        times = {"startDateTimeInUtc": self.started_at, "completeDateTimeInUtc": self.completed_at}
        return _without_none({"name": self.name, "state": self.state, **times})


def _steps(value: object) -> tuple[WorkflowStep, ...]:
    return tuple(
        WorkflowStep(
            name=jsonread.first_id(item, "name") or "(unnamed step)",
            state=jsonread.first_id(item, "state"),
            started_at=jsonread.first_id(item, "startDateTimeInUtc"),
            completed_at=jsonread.first_id(item, "completeDateTimeInUtc"),
        )
        for item in jsonread.objects(value)
    )


@dataclass(frozen=True)
class WorkflowDetail:
    """One workflow of a submission (`type` Push, `targetEnvironment` Preview/Live) and its steps, as the API names
    them. States are kept as words: no source lists their values."""

    type: str | None = None
    state: str | None = None
    target_environment: str | None = None
    steps: tuple[WorkflowStep, ...] = ()
    started_at: str | None = None
    completed_at: str | None = None

    @classmethod
    def from_json(cls, data: object) -> WorkflowDetail:
        body = _object(data, "workflow detail")
        return cls(
            type=jsonread.first_id(body, "type"),
            state=jsonread.first_id(body, "state"),
            target_environment=jsonread.first_id(body, "targetEnvironment"),
            steps=_steps(body.get("workflowSteps")),
            started_at=jsonread.first_id(body, "startDateTimeInUtc"),
            completed_at=jsonread.first_id(body, "completeDateTimeInUtc"),
        )

    def to_json(self) -> dict[str, Any]:
        known = {"type": self.type, "state": self.state, "targetEnvironment": self.target_environment}
        times = {"startDateTimeInUtc": self.started_at, "completeDateTimeInUtc": self.completed_at}
        return {**_without_none({**known, **times}), "workflowSteps": [s.to_json() for s in self.steps]}


NEXT_LINK_KEYS = ("nextLink", "@odata.nextLink")


@dataclass(frozen=True)
class Page:
    """One page of a collection: its items (JSON objects, parsed by the caller) and the link to the next page as
    sent - never followed before `urls.resolve_next_link` has checked it."""

    items: tuple[Mapping[str, Any], ...]
    next_link: str | None = None

    @classmethod
    def from_json(cls, data: object) -> Page:
        body = _object(data, "page")
        if "value" in body and not isinstance(body["value"], list):
            raise ValueError("the page's value is not a list")
        link = next((body[k] for k in NEXT_LINK_KEYS if isinstance(body.get(k), str) and body[k].strip()), None)
        return cls(jsonread.objects(body.get("value", [])), link)
