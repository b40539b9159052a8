"""What a person reads about a Cloud Partner Portal publish (pure: imported wherever a chat renders, also in
orchestrator code)."""

from __future__ import annotations

from backends.base import Wording

WORDING = Wording(
    service="the Partner Portal",
    noun="publish",
    item="Operation",
    followed="the operation",
    look="ops",
    names_it="the publisher and offer IDs",
    at_once="The Partner Portal answered HTTP {code}: the cancel took effect at once.",
    taken="The Partner Portal answered HTTP {code}.",
    canceled_reply="🛑 The {kind} operation was canceled (after {after}).",
    asks="This asks the Partner Portal to cancel the publish of {offer}. It cannot be undone.",
    keep="Keep publishing",
)
