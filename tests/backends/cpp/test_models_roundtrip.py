"""What crosses activity boundaries as JSON comes back identical: Operation/CancelResult/OperationPoll parts."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backends.cpp.client import CppClient
from backends.http.operation import CancelResult, Operation
from devhost.standins.cpp import EmulatorServer

OFFERS = ["contoso-vm-offer", "contoso-saas-offer", "contoso-failing-offer", "contoso-idle-offer"]


def test_every_emulator_operation_round_trips(client: CppClient, emulator: EmulatorServer) -> None:
    seen = 0
    urls = []
    for offer in OFFERS:
        result = client.cancel("contoso", offer)
        if result.operation_url:
            urls.append(result.operation_url)
    for _ in range(6):
        operations = [client.get_operation(url) for url in urls]
        for offer in OFFERS:
            operations += client.list_operations("contoso", offer)
        for operation in operations:
            assert Operation.from_json(operation.to_json()) == operation
            assert Operation.from_json([operation.to_json()]) == operation
            seen += 1
        emulator.advance(1.5)
    assert seen > 40


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@given(
    status=st.one_of(st.none(), st.sampled_from(["running", "Completed", "not started", "canceled", "weird"])),
    extra=st.dictionaries(st.sampled_from(["previewLinks", "liveLinks", "newThing", "resourceType"]), _JSON),
    steps=st.lists(
        st.fixed_dictionaries(
            {"id": st.text(max_size=5), "stepName": st.text(min_size=1, max_size=10)},
            optional={
                "status": st.sampled_from(["complete", "inProgress", "waitingForApproval", "odd"]),
                "progressPercentage": st.integers(0, 100),
                "estimatedTimeFrame": st.sampled_from(["< 15 min", "~2-5 days"]),
                "stepExtra": _JSON,
            },
        ),
        max_size=4,
    ),
)
def test_parsed_operations_round_trip(status: str | None, extra: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    operation = Operation.from_json({"id": "x", "status": status, "steps": steps, **extra})
    assert Operation.from_json(operation.to_json()) == operation


def test_cancel_result_round_trip() -> None:
    for result in (
        CancelResult("cancelled", 200),
        CancelResult("accepted", 202, "https://cloudpartner.azure.com/api/publishers/p/offers/o/operations/1", 5.0),
    ):
        assert CancelResult.from_json(result.to_json()) == result
