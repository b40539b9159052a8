"""What the CPP emulator's own tests share: the offer they use, and reading its publish back through the client."""

from __future__ import annotations

from backends.cpp.client import CppClient
from backends.http.operation import Operation
from devhost.standins.cpp import EmulatorServer

VM = ("contoso", "contoso-vm-offer")
API = "?api-version=2017-10-31"


def statuses(operation: Operation) -> list[str]:
    return [s.raw_status or "" for s in operation.steps]


def first_publish(client: CppClient, offer: tuple[str, str] = VM) -> Operation:
    return client.list_operations(*offer)[0]


def url_of_publish(emulator: EmulatorServer, operation: Operation, offer: tuple[str, str] = VM) -> str:
    return f"{emulator.base_url}/api/publishers/{offer[0]}/offers/{offer[1]}/operations/{operation.id}"


def beyond_docs(emulator: EmulatorServer) -> EmulatorServer:
    """The emulator's extras on (a running cancel in cancellationRequestState, a second POST finding the first):
    behaviour no Microsoft source shows, tested here as the emulator's own, never relied on by the app."""
    emulator.beyond_docs = True
    emulator.reset()
    return emulator
