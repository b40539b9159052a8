"""The emulator's fixed cast: publishers, offers, and the steps their operations go through.

Each offer exercises one documented behaviour of the cancel (see the module docs of `devhost.standins.cpp`).
Step names, ids and estimatedTimeFrame texts follow the CPP docs' examples; durations are in step units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devhost.standins.cpp.timeline import StepSpec

CancelBehaviour = Literal["async", "sync", "fail", "idle"]

ACCESSIBLE_PUBLISHER = "contoso"
FORBIDDEN_PUBLISHER = "fabrikam"
VM_OFFER_TYPE = "microsoft-azure-virtualmachines"
SAAS_OFFER_TYPE = "microsoft-azure-saas"

_SIGNOFF_HTML = (
    'Your offer is in preview. Review it with the <a href="https://portal.azure.com/">preview link</a>, then '
    "choose <b>Go Live</b>."
)

VM_PUBLISH_STEPS = (
    StepSpec("displaydummycertify", "Validate Pre-Requisites", "Checks that the offer is complete.", "< 15 min", 1),
    StepSpec("certification", "Certification", "Microsoft certifies the VM images.", "~2-5 days", 3),
    StepSpec("provisioning", "Provisioning", "The images are copied to every region.", "< 1 day", 3),
    StepSpec(
        "packaging",
        "Packaging and Lead Generation Registration",
        "The offer is packaged and leads are registered.",
        "< 1 hour",
        2,
    ),
    # estimatedTimeFrame may be missing (docs); the publish waits here for the publisher, so it never ends alone.
    StepSpec(
        "publishersignoff",
        "Publisher signoff",
        "The publisher reviews the preview and chooses Go Live.",
        None,
        None,
        hold_status="waitingForPublisherReview",
        hold_message=_SIGNOFF_HTML,
        hold_level="warning",
    ),
    StepSpec("live", "Live", "The offer is made live in the marketplace.", "< 1 day", 1),
)

SAAS_PUBLISH_STEPS = (
    StepSpec("validate", "Validate Pre-Requisites", "Checks that the offer is complete.", "< 15 min", 1),
    StepSpec("certification", "Certification", "Microsoft reviews the offer.", "< 5 day", 4),
    StepSpec(
        "publishersignoff",
        "Publisher signoff",
        "The publisher reviews the preview and chooses Go Live.",
        None,
        None,
        hold_message=_SIGNOFF_HTML,
        hold_level="warning",
    ),
    StepSpec("live", "Live", "The offer is made live in the marketplace.", "< 1 day", 1),
)

CANCEL_STEPS = (
    StepSpec("cancelrequested", "Cancel requested", "The cancel request is recorded.", "< 15 min", 1),
    StepSpec("stoppublish", "Stopping the publish", "Running publish steps are stopped.", "< 1 hour", 1),
    StepSpec(
        "restore", "Restoring the previous version", "The offer returns to its last published state.", "< 1 day", 1
    ),
)
QUICK_CANCEL_STEPS = (CANCEL_STEPS[0],)
NEVER_ENDING_CANCEL_STEPS = (
    *CANCEL_STEPS[:2],
    StepSpec(
        "restore",
        "Restoring the previous version",
        "The offer returns to its last published state.",
        "< 1 day",
        None,
        hold_status="inProgress",
    ),
)
CANCEL_FAIL_AT = 1
CANCEL_FAIL_MESSAGE = "The publish could not be stopped: the offer is already being made live. Contact support."


@dataclass(frozen=True)
class OfferSeed:
    offer_id: str
    offer_type_id: str
    behaviour: CancelBehaviour
    publish_steps: tuple[StepSpec, ...] | None  # None: nothing in flight
    publish_started_units_ago: float = 2.0


SEED_OFFERS: dict[str, tuple[OfferSeed, ...]] = {
    ACCESSIBLE_PUBLISHER: (
        OfferSeed("contoso-vm-offer", VM_OFFER_TYPE, "async", VM_PUBLISH_STEPS),
        OfferSeed("contoso-saas-offer", SAAS_OFFER_TYPE, "sync", SAAS_PUBLISH_STEPS),
        OfferSeed("contoso-failing-offer", VM_OFFER_TYPE, "fail", VM_PUBLISH_STEPS),
        OfferSeed("contoso-idle-offer", VM_OFFER_TYPE, "idle", None),
    ),
    FORBIDDEN_PUBLISHER: (OfferSeed("fabrikam-vm-offer", VM_OFFER_TYPE, "async", VM_PUBLISH_STEPS),),
}
