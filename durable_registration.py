"""Typed registration of durable functions on a blueprint, shared by the two function packages.

`cancel_function/` (the cancel orchestration and its activities) and `poll_function/` (the watcher and its) each
register on a blueprint of their own. The SDK's decorators are untyped and return FunctionBuilder objects; a
`DurableRegistrar` registers a function on its blueprint and hands back the function itself, so each module keeps
a typed, directly callable function (mypy strict stays meaningful) while the host still indexes it under its Python
name - which is the name orchestrators call it by, and the name old histories hold.

The `lazy_*` forms register a function by name whose implementation (`"module:function"`) is imported the first time
it runs: indexing the app - which every cold worker does before its first request, whatever it was started for -
then imports only the registrations, and a Slack command's first answer does not wait for the modules of the
orchestrations, the webhooks and the watcher.
"""

import importlib
from collections.abc import Callable, Generator
from typing import Any, TypeVar

# The SDK ships no py.typed. Whether mypy reports that depends on which other azure.* packages it resolved first,
# hence the tolerant ignore.
import azure.durable_functions as df  # type: ignore[import-untyped, unused-ignore]

# The orchestration context, for annotations (the SDK's class is untyped).
OrchestrationContext = Any

F = TypeVar("F", bound=Callable[..., Any])


def resolve(target: str) -> Callable[..., Any]:
    """The function `"module:function"` names, imported on first use (later calls find the module loaded)."""
    module, _, name = target.partition(":")
    found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return found


def named(fn: F, name: str, target: str) -> F:
    """`fn` under the name the host indexes (a function's name is its registered name)."""
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Registered as {name}; runs {target} (imported on first use)."
    return fn


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

    def lazy_orchestrator(self, name: str, target: str) -> None:
        """Register orchestrator `name`, running the generator function `target` (replays import nothing new)."""

        def orchestrate(context: OrchestrationContext) -> Generator[Any, Any, Any]:
            return (yield from resolve(target)(context))

        self.orchestrator(named(orchestrate, name, target))

    def lazy_activity(self, name: str, target: str) -> None:
        def run(payload: Any) -> Any:
            return resolve(target)(payload)

        self.activity(named(run, name, target))

    def lazy_client_activity(self, name: str, target: str) -> None:
        async def run(payload: Any, client: Any) -> Any:
            return await resolve(target)(payload, client)

        self.client_activity(named(run, name, target))


def retry_options(first_retry_ms: int, max_attempts: int) -> Any:
    """`RetryOptions` for call_activity_with_retry: `max_attempts` tries, `first_retry_ms` apart."""
    return df.RetryOptions(first_retry_interval_in_milliseconds=first_retry_ms, max_number_of_attempts=max_attempts)


def live_runtime_statuses() -> list[Any]:
    """The runtime statuses of instances that still run, as the durable client's queries take them."""
    status = df.OrchestrationRuntimeStatus
    return [status.Pending, status.Running, status.ContinuedAsNew]
