"""The emulated Partner Portal's data: offers, their publish operations, and the cancels aimed at them.

No HTTP here and no clock of its own: every method takes `now`. IDs come from a seeded `random.Random`, so the same
seed, the same clock and the same requests give byte-identical answers.
"""

from __future__ import annotations

import dataclasses
import random
import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from devhost.standins.cpp import catalog
from devhost.standins.cpp.timeline import Evaluation, Timeline, iso

OperationShape = Literal["array", "object"]
CancelOverride = Literal["never_ends", "fails"]
PublisherAccess = Literal["ok", "forbidden", "missing"]
_DAY = 24 * 3600.0
_TICKS_AT_EPOCH = 621355968000000000  # .NET ticks (100 ns since 0001-01-01) at 1970-01-01: the docs' "version"


class CancelMode(StrEnum):
    """How a 202 cancel names its operation (each form appears in some version of the docs)."""

    OPERATION_LOCATION = "operation-location"  # 2017: absolute Operation-Location .../operations/{guid}
    LOCATION = "location"  # 2020, migrated offers: relative Location /api/publishers/.../operations/{guid}?api-version=
    LOCATION_OPERATIONS = "location-operations"  # 2020, others: relative /api/operations/{p}${o}$2$preview?api-version=


@dataclass
class OfferSettings:
    cancel_mode: CancelMode
    operation_shape: OperationShape


@dataclass
class EmuOperation:
    id: str
    kind: Literal["publish", "cancel"]
    publisher_id: str
    offer_id: str
    offer_type_id: str
    created_at: float
    timeline: Timeline
    offer_version: int
    publishing_version: int
    emails: str = ""
    stopped_at: float | None = None  # a publish cancelled synchronously (the 200 answer)
    cancels: list[EmuOperation] = field(default_factory=list)  # cancels aimed at this publish

    def stop_time(self) -> float | None:
        """When this publish stops: a synchronous cancel, or the end of a cancel operation that succeeds."""
        ends = [c.timeline.natural_end() for c in self.cancels if c.timeline.fail_at is None]
        times = [t for t in (self.stopped_at, *ends) if t is not None]
        return min(times) if times else None

    def evaluate(self, now: float) -> Evaluation:
        return self.timeline.evaluate(now, self.stop_time() if self.kind == "publish" else None)

    def cancellation_request_state(self, now: float) -> str:
        if self.kind == "cancel" or self.evaluate(now).phase != "running":
            return "cannotCancel"
        if any(c.evaluate(now).phase == "running" for c in self.cancels):
            return "cancelRequested"
        return "canCancel"

    def status(self, now: float) -> str:
        return self.evaluate(now).phase


@dataclass
class EmuOffer:
    publisher_id: str
    seed: catalog.OfferSeed
    settings: OfferSettings
    publishes: list[EmuOperation] = field(default_factory=list)
    cancels: list[EmuOperation] = field(default_factory=list)

    def in_flight_publish(self, now: float) -> EmuOperation | None:
        running = [p for p in self.publishes if p.evaluate(now).phase == "running"]
        return running[-1] if running else None


@dataclass(frozen=True)
class CancelAnswer:
    status: Literal[200, 202]
    operation: EmuOperation | None


def _status_key(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


class PortalState:
    def __init__(
        self,
        *,
        now: float,
        unit_s: float,
        seed: int,
        cancel_mode: CancelMode = CancelMode.OPERATION_LOCATION,
        operation_shape: OperationShape = "array",
        beyond_docs: bool = False,
    ) -> None:
        """`beyond_docs=False` is the documented-behaviour mode: `cancellationRequestState` is only ever
        `canCancel` (the one value any source shows) and every cancel POST starts a cancel operation of its own
        (no source says a second POST finds the first). The app's safety tests run in that mode."""
        self._rng = random.Random(seed)  # noqa: S311 - reproducible fake IDs, not secrets
        self._unit_s = unit_s
        self.beyond_docs = beyond_docs
        self.offers: dict[tuple[str, str], EmuOffer] = {}
        for publisher_id, seeds in catalog.SEED_OFFERS.items():
            for offer_seed in seeds:
                offer = EmuOffer(publisher_id, offer_seed, OfferSettings(cancel_mode, operation_shape))
                self._seed_history(offer, now)
                self.offers[(publisher_id, offer_seed.offer_id)] = offer

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _seed_history(self, offer: EmuOffer, now: float) -> None:
        steps = offer.seed.publish_steps or catalog.VM_PUBLISH_STEPS
        # Last month's publish went all the way to Live: the same steps with the sign-off taking one unit.
        done = tuple(dataclasses.replace(s, units=1.0) if s.units is None else s for s in steps)
        old_start = now - 30 * _DAY
        offer.publishes.append(self._publish(offer, old_start, Timeline(done, old_start, self._unit_s), 1))
        if offer.seed.publish_steps is not None:
            start = now - offer.seed.publish_started_units_ago * self._unit_s
            offer.publishes.append(self._publish(offer, start, Timeline(steps, start, self._unit_s), 2))

    def _publish(self, offer: EmuOffer, start: float, timeline: Timeline, version: int) -> EmuOperation:
        return EmuOperation(
            id=self._new_id(),
            kind="publish",
            publisher_id=offer.publisher_id,
            offer_id=offer.seed.offer_id,
            offer_type_id=offer.seed.offer_type_id,
            created_at=start,
            timeline=timeline,
            offer_version=version,
            publishing_version=version,
            emails=f"jdoe@{offer.publisher_id}.com",
        )

    # -- queries ---------------------------------------------------------------------------------------------------

    def publisher_access(self, publisher_id: str) -> PublisherAccess:
        if publisher_id == catalog.FORBIDDEN_PUBLISHER:
            return "forbidden"
        return "ok" if publisher_id in catalog.SEED_OFFERS else "missing"

    def offer(self, publisher_id: str, offer_id: str) -> EmuOffer | None:
        return self.offers.get((publisher_id, offer_id))

    def find_operation(self, offer: EmuOffer, operation_id: str) -> EmuOperation | None:
        for operation in (*offer.publishes, *offer.cancels):
            if operation.id.lower() == operation_id.lower():
                return operation
        return None

    # -- the cancel ------------------------------------------------------------------------------------------------

    def cancel(self, offer: EmuOffer, *, emails: str, now: float, override: CancelOverride | None) -> CancelAnswer:
        """Like the real service: 202 even when nothing is in flight; the running cancel again if one runs."""
        latest = offer.cancels[-1] if offer.cancels else None
        if self.beyond_docs and latest is not None and latest.evaluate(now).phase == "running":
            return CancelAnswer(202, latest)
        publish = offer.in_flight_publish(now)
        if offer.seed.behaviour == "sync" and override is None:
            if publish is not None:
                publish.stopped_at = now
            return CancelAnswer(200, None)
        specs = catalog.CANCEL_STEPS if publish is not None else catalog.QUICK_CANCEL_STEPS
        fail_at = None
        if override == "never_ends":
            specs = catalog.NEVER_ENDING_CANCEL_STEPS
        elif override == "fails" or (offer.seed.behaviour == "fail" and publish is not None):
            specs, fail_at = catalog.CANCEL_STEPS, catalog.CANCEL_FAIL_AT
        timeline = Timeline(specs, now, self._unit_s, fail_at, catalog.CANCEL_FAIL_MESSAGE)
        operation = EmuOperation(
            id=self._new_id(),
            kind="cancel",
            publisher_id=offer.publisher_id,
            offer_id=offer.seed.offer_id,
            offer_type_id=offer.seed.offer_type_id,
            created_at=now,
            timeline=timeline,
            offer_version=publish.offer_version if publish else offer.publishes[-1].offer_version,
            publishing_version=publish.publishing_version if publish else offer.publishes[-1].publishing_version,
            emails=emails,
        )
        offer.cancels.append(operation)
        if publish is not None:
            publish.cancels.append(operation)
        return CancelAnswer(202, operation)

    # -- JSON views ------------------------------------------------------------------------------------------------

    def operation_json(self, operation: EmuOperation, now: float) -> dict[str, Any]:
        """The single-operation body (the documented fields; unknown ones like previewLinks included)."""
        evaluation = operation.evaluate(now)
        messages: list[dict[str, Any]] = []
        body: dict[str, Any] = {
            "id": operation.id,
            "submissionType": "Publish" if operation.kind == "publish" else "Cancel",
            "createdDateTime": iso(operation.created_at),
            "lastActionDateTime": iso(evaluation.last_change),
            "status": evaluation.phase,
            "messages": messages,
            "publishingVersion": operation.publishing_version,
            "offerVersion": operation.offer_version,
            "cancellationRequestState": (
                operation.cancellation_request_state(now) if self.beyond_docs else "canCancel"
            ),
            "steps": evaluation.steps,
            "previewLinks": [],
            "liveLinks": [],
            "notificationEmails": operation.emails,
        }
        if evaluation.phase == "canceled" and evaluation.finished_at is not None:
            messages.append(
                {
                    "messageHtml": "The publish was cancelled.",
                    "level": "warning",
                    "timestamp": iso(evaluation.finished_at),
                }
            )
        if evaluation.phase == "failed" and evaluation.finished_at is not None:
            body["error"] = {"code": "CancelFailed", "message": operation.timeline.fail_message}
            messages.append(
                {
                    "messageHtml": operation.timeline.fail_message,
                    "level": "error",
                    "timestamp": iso(evaluation.finished_at),
                }
            )
        return body

    def submission_json(self, operation: EmuOperation, now: float) -> dict[str, Any]:
        """An item of the submissions list, shaped like the docs' example."""
        evaluation = operation.evaluate(now)
        return {
            "id": operation.id,
            "offerId": operation.offer_id,
            "offerVersion": operation.offer_version,
            "offerTypeId": operation.offer_type_id,
            "publisherId": operation.publisher_id,
            "submissionType": "publish",
            "submissionState": evaluation.phase,
            "publishingVersion": operation.publishing_version,
            "slot": "staging",
            "version": _TICKS_AT_EPOCH + int(operation.created_at * 10_000_000),
            "definition": {"metadata": {"emails": operation.emails}},
            "changedTime": iso(evaluation.last_change),
        }

    def submissions(self, offer: EmuOffer, now: float, state_filter: str | None) -> list[dict[str, Any]]:
        items = [self.submission_json(p, now) for p in reversed(offer.publishes)]
        if state_filter:
            wanted = _status_key(state_filter)
            items = [i for i in items if _status_key(i["submissionState"]) == wanted]
        return items
