"""The JSON contracts between entry points and orchestrations round-trip, and their instance IDs are stable."""

from __future__ import annotations

import pytest

from cppcancel.contracts import (
    CancelOutcome,
    CancelRequest,
    Requester,
    SlackTarget,
    WatchRequest,
    cancel_instance_id,
    watch_instance_id,
)
from cppcancel.targets import PublishTarget

OP = "https://cloudpartner.azure.com/api/publishers/contoso/offers/vm/operations/56615b67"


def test_cancel_request_round_trips() -> None:
    request = CancelRequest(
        request_id="r1",
        source="slack",
        target=PublishTarget("contoso", "vm"),
        requester=Requester("alice", user_id="U1", team_id="T1"),
        correlation_id="c1",
        requested_at="2026-11-25T10:00:00Z",
        notification_emails=("a@contoso.com",),
        slack=SlackTarget("C1", response_url="https://hooks.slack.com/x"),
    )
    assert CancelRequest.from_json(request.to_json()) == request
    assert request.instance_id == cancel_instance_id("slack", "r1")


def test_watch_request_round_trips_with_state() -> None:
    request = WatchRequest(
        OP, PublishTarget("contoso", "vm"), Requester("pipeline", caller="release"), "c", "t", state={"polls": 3}
    )
    assert WatchRequest.from_json(request.to_json()) == request
    assert request.requester.mention == "pipeline"


def test_watch_id_ignores_query_and_case_but_not_the_operation() -> None:
    assert watch_instance_id(OP + "?api-version=2017-10-31") == watch_instance_id(OP.upper())
    assert watch_instance_id(OP) != watch_instance_id(OP.replace("56615b67", "00000000"))


def test_instance_ids_use_only_safe_characters() -> None:
    key = "../../weird key?&/"
    assert cancel_instance_id("webhook", key).replace("-", "").isalnum()


def test_outcome_rejects_unknown_status() -> None:
    with pytest.raises(ValueError, match="unknown cancel status"):
        CancelOutcome.from_json({"status": "maybe"})
    assert CancelOutcome.from_json(CancelOutcome("accepted", 202, OP, "w").to_json()).watch_instance_id == "w"


@pytest.mark.parametrize("message", [CancelRequest, WatchRequest])
def test_a_message_without_a_chat_answers_to_the_default_chat(message: type[CancelRequest | WatchRequest]) -> None:
    # contracts names the default by value so that the chat port is not imported with it (cold start): the same one
    from cppcancel.chat import DEFAULT_CHAT

    assert message.__dataclass_fields__["chat"].default == DEFAULT_CHAT
