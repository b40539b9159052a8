"""The cancel's hand-over to watching: `start_watcher` starts the one watcher of an operation unless it already
runs; `find_watcher` finds the live watcher a cancel that sent nothing should join.

Both are `async def` activities with a durable client binding. `client.start_new` does not replace a live instance
(whatever the SDK's docstring says): the extension's default, `overridableExistingInstanceStates: NonRunningStates`
(also in host.json), refuses a start while the instance is Pending, Running, ContinuedAsNew or Suspended, and the
Python client sees that refusal as an HTTP 500 from the extension's HTTP API - an exception that does not say why.
So `start_watcher` checks the status first (an active watcher is left alone: "starting it again is a no-op"), and
after *any* failed start it looks at the status again: an active watcher there means a concurrent start won the
race (a no-op too); otherwise the failure is raised so that the orchestrator's retry applies. A finished watcher of
the same operation is replaced: someone asked to follow the operation again.

`find_watcher` answers the opposite question - which operation, if any, a live watcher of an offer follows - for a
cancel that found a cancel of the publish already under way and so sent none (see
`send_activity.publish_being_cancelled`): that request joins the watcher instead of starting another.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from cancel_function.payloads import load
from cppcancel.contracts import WATCH_INSTANCE_PREFIX, WATCH_ORCHESTRATOR, WatchRequest
from durable_registration import live_runtime_statuses

log = logging.getLogger(__name__)

ACTIVE_STATES = frozenset({"Pending", "Running", "ContinuedAsNew", "Suspended"})


class StarterClient(Protocol):
    """The part of `DurableOrchestrationClient` this activity uses."""

    async def get_status(self, instance_id: str) -> Any: ...

    async def start_new(self, orchestration_function_name: str, instance_id: str, client_input: Any) -> str: ...


class WatcherDirectory(Protocol):
    """The part of `DurableOrchestrationClient` that `find_watcher` uses."""

    async def get_status(
        self, instance_id: str, show_history: bool = ..., show_history_output: bool = ..., show_input: bool = ...
    ) -> Any: ...

    async def get_status_by(
        self,
        created_time_from: Any = ...,
        created_time_to: Any = ...,
        runtime_status: Any = ...,
        instance_id_prefix: str = ...,
    ) -> list[Any]: ...


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
    except Exception:  # a refusal is an HTTP 500 like any other failure: only the status says which it was
        if is_active(await client.get_status(instance_id)):
            log.info("watcher %s was started concurrently", instance_id)
            return instance_id
        raise
    log.info("watcher %s started", instance_id)
    return instance_id


async def start_watcher(payload: Any, client: StarterClient) -> str:
    """Input `WatchRequest` JSON; output the watch instance ID."""
    return await ensure_watcher(client, WatchRequest.from_json(load(payload)))


async def live_watcher_of(
    client: WatcherDirectory, publisher_id: str, offer_id: str, job_id: str | None = None
) -> str | None:
    """The operation URL that an active watcher of `publisher_id`/`offer_id` follows (the newest), or None; with
    `job_id`, only a watcher of that configure job, under whatever offer it was named (and without it, never one: a
    job's watch is not the offer's)."""
    found: list[tuple[str, str]] = []
    listed_all = await client.get_status_by(
        runtime_status=live_runtime_statuses(), instance_id_prefix=WATCH_INSTANCE_PREFIX
    )
    for listed in listed_all or []:
        instance_id = getattr(listed, "instance_id", None)
        if not isinstance(instance_id, str) or not is_active(listed):
            continue
        status = await client.get_status(instance_id, show_input=True)
        if not is_active(status):
            continue
        try:
            watch = WatchRequest.from_json(load(status.input_))
        except (KeyError, TypeError, ValueError):
            continue
        # A registered job's watcher follows it for its pipeline's channel: never one a cancel joins. A job's
        # cancel is the job's whatever offer it was named under (its lock is keyed by the job alone), so its
        # watcher is found by the job; the CPP's by the offer.
        same_job = (watch.job_id or "").lower() == (job_id or "").lower() and not watch.registered
        same_offer = job_id is not None or (watch.publisher_id, watch.offer_id) == (publisher_id, offer_id)
        if watch.instance_id == instance_id and same_offer and same_job:
            found.append((str(getattr(status, "created_time", "") or ""), watch.operation_url))
    return max(found)[1] if found else None


async def find_watcher(payload: Any, client: WatcherDirectory) -> str | None:
    """Input `{"publisherId", "offerId"}`; output the operation URL a live watcher of that offer follows, or None."""
    data = load(payload)
    job = data.get("jobId")
    publisher, offer = str(data.get("publisherId") or ""), str(data.get("offerId") or "")
    return await live_watcher_of(client, publisher, offer, job if isinstance(job, str) and job else None)
