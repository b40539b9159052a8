"""The client's API calls against the emulator over loopback HTTP: requests sent, answers parsed."""

from __future__ import annotations

import json
import logging

import pytest

from backends.cpp.client import CppClient, OperationPoll
from backends.http import errors
from backends.http.operation import CancelResult, OperationStatus, StepStatus
from backends.http.tokens import StaticTokenProvider
from cppcancel.identifiers import InvalidInput
from cppcancel.settings import load_settings
from devhost.standins.cpp import AUTH_VALID, CancelMode, EmulatorServer, Fault

VM = ("contoso", "contoso-vm-offer")


def test_cancel_sends_the_documented_request(client: CppClient, emulator: EmulatorServer) -> None:
    result = client.cancel(*VM, ["jondoe@contoso.com", "ops@contoso.com", "jondoe@contoso.com"])
    assert result.outcome == "accepted"
    assert result.status_code == 202
    [request] = emulator.requests
    assert request.method == "POST"
    assert request.path == "/api/publishers/contoso/offers/contoso-vm-offer/cancel"
    assert request.query == {"api-version": "2017-10-31"}
    assert request.headers["Content-Type"] == "application/json"
    assert request.auth == AUTH_VALID
    assert request.json == {"metadata": {"notification-emails": "jondoe@contoso.com,ops@contoso.com"}}


def test_cancel_without_addresses_sends_empty_metadata(client: CppClient, emulator: EmulatorServer) -> None:
    client.cancel(*VM)
    assert emulator.requests[0].json == {"metadata": {}}


def test_cancel_accepts_a_comma_separated_string(client: CppClient, emulator: EmulatorServer) -> None:
    client.cancel(*VM, "a@x.com, b@x.com")  # a str is a Sequence[str]: a common slip, handled kindly
    assert emulator.requests[0].json == {"metadata": {"notification-emails": "a@x.com,b@x.com"}}


def test_cancel_202_gives_an_operation_url_to_follow(client: CppClient, emulator: EmulatorServer) -> None:
    result = client.cancel(*VM)
    assert result.operation_url is not None
    assert result.operation_url.startswith(emulator.base_url + "/api/publishers/contoso/offers/contoso-vm-offer/")
    operation = client.get_operation(result.operation_url)
    assert operation.status is OperationStatus.RUNNING
    assert operation.submission_type == "Cancel"
    assert operation.steps[0].name == "Cancel requested"


def test_cancel_200_is_synchronous(client: CppClient) -> None:
    assert client.cancel("contoso", "contoso-saas-offer") == CancelResult("cancelled", 200)


def test_relative_location_2020_form(client: CppClient, emulator: EmulatorServer) -> None:
    emulator.configure_offer(*VM, cancel_mode=CancelMode.LOCATION)
    result = client.cancel(*VM)
    assert result.operation_url is not None
    assert result.operation_url.startswith(emulator.base_url + "/api/publishers/contoso/offers/contoso-vm-offer/")
    assert result.operation_url.endswith("?api-version=2017-10-31")
    assert client.get_operation(result.operation_url).submission_type == "Cancel"
    # the api-version already in the URL is not sent twice
    assert emulator.requests[-1].target.count("api-version") == 1


def test_relative_location_operations_form(client: CppClient, emulator: EmulatorServer) -> None:
    emulator.configure_offer(*VM, cancel_mode="location-operations")
    result = client.cancel(*VM)
    assert result.operation_url == (
        f"{emulator.base_url}/api/operations/contoso$contoso-vm-offer$2$preview?api-version=2017-10-31"
    )
    operation = client.get_operation(result.operation_url)
    assert operation.submission_type == "Cancel"
    assert operation.status is OperationStatus.RUNNING


def test_cancel_202_without_any_location_is_invalid(client: CppClient, emulator: EmulatorServer) -> None:
    emulator.add_fault(Fault(method="POST", path="/cancel", status=202))
    with pytest.raises(errors.InvalidResponse, match="gave no operation to follow; check /cpp ops"):
        client.cancel(*VM)


def test_cancel_202_retry_after_is_returned(client: CppClient, emulator: EmulatorServer) -> None:
    location = f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/abc"
    emulator.add_fault(
        Fault(method="POST", path="/cancel", status=202, retry_after="5", headers={"Operation-Location": location})
    )
    result = client.cancel(*VM)
    assert result == CancelResult("accepted", 202, operation_url=location, retry_after_s=5.0)


def test_single_operation_array_and_object_shapes(client: CppClient, emulator: EmulatorServer) -> None:
    url = client.cancel(*VM).operation_url
    assert url is not None
    raw_array = client._session.get(url, params={"api-version": "2017-10-31"}, headers=_auth(emulator)).json()
    assert isinstance(raw_array, list)
    assert len(raw_array) == 1
    from_array = client.get_operation(url)
    emulator.configure_offer(*VM, operation_shape="object")
    raw_object = client._session.get(url, params={"api-version": "2017-10-31"}, headers=_auth(emulator)).json()
    assert isinstance(raw_object, dict)
    assert client.get_operation(url) == from_array


def _auth(emulator: EmulatorServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {emulator.token}"}


def test_poll_operation_carries_retry_after(client: CppClient, emulator: EmulatorServer) -> None:
    url = f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/x"
    emulator.add_fault(
        Fault(method="GET", path="/operations/", status=200, retry_after="7", body='{"status": "running"}')
    )
    poll = client.poll_operation(url)
    assert poll == OperationPoll(poll.operation, 7.0)
    assert poll.operation.status is OperationStatus.RUNNING
    emulator.add_fault(Fault(method="GET", path="/operations/", status=202, body='[{"status": "running"}]'))
    assert client.poll_operation(url).retry_after_s is None


def test_unknown_fields_and_statuses_are_kept(client: CppClient, emulator: EmulatorServer) -> None:
    body = [
        {
            "id": "op-1",
            "status": "Paused",
            "brandNewField": {"nested": [1, 2]},
            "steps": [{"id": "s1", "stepName": "Reticulating", "status": "reticulating", "stepExtra": True}],
        }
    ]
    emulator.add_fault(Fault(method="GET", path="/operations/", status=200, body=json.dumps(body)))
    operation = client.get_operation(
        f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/op-1"
    )
    assert operation.status is OperationStatus.UNKNOWN
    assert operation.raw_status == "Paused"
    assert operation.extra == {"brandNewField": {"nested": [1, 2]}}
    [step] = operation.steps
    assert step.status is StepStatus.UNKNOWN
    assert step.raw_status == "reticulating"
    assert step.extra == {"stepExtra": True}


def test_emulator_fields_outside_the_model_land_in_extra(client: CppClient) -> None:
    url = client.cancel(*VM).operation_url
    assert url is not None
    operation = client.get_operation(url)
    assert set(operation.extra) >= {"previewLinks", "liveLinks"}


def test_list_operations(client: CppClient, emulator: EmulatorServer) -> None:
    operations = client.list_operations(*VM)
    assert [o.status for o in operations] == [OperationStatus.RUNNING, OperationStatus.COMPLETED]
    first = operations[0]
    assert first.publisher_id == "contoso"
    assert first.offer_id == "contoso-vm-offer"
    assert first.submission_type == "publish"
    assert first.extra["offerTypeId"] == "microsoft-azure-virtualmachines"
    assert emulator.requests[0].path == "/api/publishers/contoso/offers/contoso-vm-offer/submissions/"


def test_list_operations_filter(client: CppClient, emulator: EmulatorServer) -> None:
    running = client.list_operations(*VM, filtered_status="running")
    assert [o.status for o in running] == [OperationStatus.RUNNING]
    assert emulator.requests[0].query == {"api-version": "2017-10-31", "status": "running"}
    assert client.list_operations(*VM, filtered_status="canceled") == []
    with pytest.raises(InvalidInput):
        client.list_operations(*VM, filtered_status="running&x=1")


@pytest.mark.parametrize(
    "body",
    [
        '{"value": [{"id": "a", "submissionState": "running"}]}',
        '{"items": [{"id": "a", "submissionState": "running"}, 42]}',
        '[{"id": "a", "submissionState": "running"}, "junk"]',
    ],
)
def test_list_accepts_wrapped_shapes(client: CppClient, emulator: EmulatorServer, body: str) -> None:
    emulator.add_fault(Fault(method="GET", path="/submissions", status=200, body=body))
    [operation] = client.list_operations(*VM)
    assert operation.id == "a"
    assert operation.status is OperationStatus.RUNNING


def test_list_204_is_empty(client: CppClient, emulator: EmulatorServer) -> None:
    emulator.add_fault(Fault(method="GET", path="/submissions", status=204))
    assert client.list_operations(*VM) == []


def test_from_settings(emulator: EmulatorServer) -> None:
    settings = load_settings(
        {"CPP_BASE_URL": emulator.base_url + "/", "CPP_ACCESS_TOKEN": emulator.token, "CPP_READ_TIMEOUT_S": "3"}
    )
    client = CppClient.from_settings(settings)
    assert client.base_url == emulator.base_url
    assert client._timeout == (5.0, 3.0)
    assert client.list_operations(*VM)
    explicit = CppClient.from_settings(settings, StaticTokenProvider("other"))
    with pytest.raises(errors.Unauthorized):
        explicit.list_operations(*VM)


@pytest.mark.parametrize(
    "base",
    ["http://cloudpartner.azure.com", "ftp://x", "https://u:p@cloudpartner.azure.com", "https://h/?q=1", "nohost"],
)
def test_refuses_unsafe_base_urls(base: str) -> None:
    with pytest.raises(ValueError, match=r"base URL|http://"):
        CppClient(base, StaticTokenProvider("t"))


def test_debug_log_has_method_path_status_and_never_the_token(
    client: CppClient, emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        url = client.cancel(*VM, ["a@x.com"]).operation_url
        assert url is not None
        client.get_operation(url)
        with pytest.raises(errors.NotFound):
            client.list_operations("contoso", "nope")
    lines = [r.getMessage() for r in caplog.records if r.name == "backends.http.transport"]
    assert any(
        line.startswith("CPP POST /api/publishers/contoso/offers/contoso-vm-offer/cancel -> 202") for line in lines
    )
    assert any(" -> 404 in " in line for line in lines)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert emulator.token not in everything
