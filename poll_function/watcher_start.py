"""The `start_watcher` activity: start the one watcher of an operation unless it already runs.

An `async def` activity with a durable client binding. `client.start_new` silently replaces a running instance with
the same ID (and with host.json's `overridableExistingInstanceStates: NonRunningStates` it may refuse instead), so
the status is checked first: an instance that is pending, running, continuing as new or suspended is left alone
("starting it again is a no-op"). A start_new that fails because a concurrent start won the race is a no-op too; any
other failure is raised so that the orchestrator's retry applies. A finished watcher of the same operation is
replaced: someone asked to follow the operation again.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from cppcancel.contracts import WATCH_ORCHESTRATOR, WatchRequest
from poll_function.blueprint import client_activity
from poll_function.payloads import load

log = logging.getLogger(__name__)

ACTIVE_STATES = frozenset({"Pending", "Running", "ContinuedAsNew", "Suspended"})


class StarterClient(Protocol):
    """The part of `DurableOrchestrationClient` this activity uses."""

    async def get_status(self, instance_id: str) -> Any: ...

    async def start_new(self, orchestration_function_name: str, instance_id: str, client_input: Any) -> str: ...


def is_active(status: Any) -> bool:
    """A `DurableOrchestrationStatus` of an instance that still runs (a not-found status object is falsy)."""
    if not status:
        return False
    runtime = getattr(status, "runtime_status", None)
    name = getattr(runtime, "value", runtime)
    return isinstance(name, str) and name in ACTIVE_STATES


async def ensure_watcher(client: StarterClient, watch: WatchRequest) -> str:
    """Start `watch` under its instance ID unless a watcher of that operation is active; return the instance ID."""
    instance_id = watch.instance_id
    if is_active(await client.get_status(instance_id)):
        log.info("watcher %s already active: not started again", instance_id)
        return instance_id
    try:
        await client.start_new(WATCH_ORCHESTRATOR, instance_id, watch.to_json())
    except Exception:
        if is_active(await client.get_status(instance_id)):
            log.info("watcher %s was started concurrently", instance_id)
            return instance_id
        raise
    log.info("watcher %s started", instance_id)
    return instance_id


@client_activity
async def start_watcher(payload: Any, client: StarterClient) -> str:
    """Input `WatchRequest` JSON; output the watch instance ID."""
    return await ensure_watcher(client, WatchRequest.from_json(load(payload)))
