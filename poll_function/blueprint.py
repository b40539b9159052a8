"""The blueprint the orchestrators and activities of this package register on, with typed registration helpers.

The SDK's decorators are untyped and return FunctionBuilder objects. The helpers here register a function on `bp` and
hand back the function itself, so that the module keeps a typed, directly callable function (mypy strict stays
meaningful) while the host still indexes it under its Python name - which is the name orchestrators call it by.
"""

from collections.abc import Callable
from typing import Any, TypeVar

# The SDK ships no py.typed. Whether mypy reports that depends on which other azure.* packages it resolved first,
# hence the tolerant ignore. This is the only module of the package that imports the SDK.
import azure.durable_functions as df  # type: ignore[import-untyped, unused-ignore]

bp = df.Blueprint()

# The orchestration context, for annotations (the SDK's class is untyped).
OrchestrationContext = Any

F = TypeVar("F", bound=Callable[..., Any])


def orchestrator(fn: F) -> F:
    """Register a generator function as an orchestrator (trigger parameter `context`)."""
    bp.orchestration_trigger(context_name="context")(fn)
    return fn


def activity(fn: F) -> F:
    """Register an activity (trigger parameter `payload`)."""
    bp.activity_trigger(input_name="payload")(fn)
    return fn


def retry_options(first_retry_ms: int, max_attempts: int) -> Any:
    """`RetryOptions` for call_activity_with_retry: `max_attempts` tries, `first_retry_ms` apart."""
    return df.RetryOptions(first_retry_interval_in_milliseconds=first_retry_ms, max_number_of_attempts=max_attempts)


def live_runtime_statuses() -> list[Any]:
    """The runtime statuses of instances that still run, as the durable client's queries take them."""
    status = df.OrchestrationRuntimeStatus
    return [status.Pending, status.Running, status.ContinuedAsNew]


def client_activity(fn: F) -> F:
    """Register an `async def` activity that also gets a durable client (parameters `payload`, `client`)."""
    bp.activity_trigger(input_name="payload")(bp.durable_client_input(client_name="client")(fn))
    return fn
