"""Typed registration of durable functions on a blueprint, shared by the two function packages.

`cancel_function/` (the cancel orchestration and its activities) and `poll_function/` (the watcher and its) each
register on a blueprint of their own. The SDK's decorators are untyped and return FunctionBuilder objects; a
`DurableRegistrar` registers a function on its blueprint and hands back the function itself, so each module keeps
a typed, directly callable function (mypy strict stays meaningful) while the host still indexes it under its Python
name - which is the name orchestrators call it by, and the name old histories hold.
"""

from collections.abc import Callable
from typing import Any, TypeVar

# The SDK ships no py.typed. Whether mypy reports that depends on which other azure.* packages it resolved first,
# hence the tolerant ignore.
import azure.durable_functions as df  # type: ignore[import-untyped, unused-ignore]

# The orchestration context, for annotations (the SDK's class is untyped).
OrchestrationContext = Any

F = TypeVar("F", bound=Callable[..., Any])


class DurableRegistrar:
    """Registers orchestrators and activities on one blueprint (`df.Blueprint`)."""

    def __init__(self, blueprint: Any) -> None:
        self._bp = blueprint

    def orchestrator(self, fn: F) -> F:
        """Register a generator function as an orchestrator (trigger parameter `context`)."""
        self._bp.orchestration_trigger(context_name="context")(fn)
        return fn

    def activity(self, fn: F) -> F:
        """Register an activity (trigger parameter `payload`)."""
        self._bp.activity_trigger(input_name="payload")(fn)
        return fn

    def client_activity(self, fn: F) -> F:
        """Register an `async def` activity that also gets a durable client (parameters `payload`, `client`)."""
        self._bp.activity_trigger(input_name="payload")(self._bp.durable_client_input(client_name="client")(fn))
        return fn


def retry_options(first_retry_ms: int, max_attempts: int) -> Any:
    """`RetryOptions` for call_activity_with_retry: `max_attempts` tries, `first_retry_ms` apart."""
    return df.RetryOptions(first_retry_interval_in_milliseconds=first_retry_ms, max_number_of_attempts=max_attempts)


def live_runtime_statuses() -> list[Any]:
    """The runtime statuses of instances that still run, as the durable client's queries take them."""
    status = df.OrchestrationRuntimeStatus
    return [status.Pending, status.Running, status.ContinuedAsNew]
