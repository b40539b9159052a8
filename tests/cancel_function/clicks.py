"""What the button tests share: a confirmation's button value, and the cancel orchestrations a click started."""

from __future__ import annotations

from typing import Any

from cppcancel.contracts import CANCEL_ORCHESTRATOR
from tests.cancel_function.conftest import SlackDriver
from tests.cancel_function.local_host import LocalFunctions


def confirmation_value(slack: SlackDriver, text: str = "cancel contoso contoso-vm-offer notify=ops@contoso.com") -> str:
    reply = slack.command(text)
    return str(reply.button("confirm_cancel")["value"])


def cancel_instances(host: LocalFunctions) -> list[Any]:
    return host.instances(CANCEL_ORCHESTRATOR)
