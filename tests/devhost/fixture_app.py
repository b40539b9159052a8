"""A small DFApp with one of everything the dev host must support, independent of the product's functions.

HTTP: an echo route with route params, a plain-text route, a route that raises, and durable-client routes that
start / query / raise events / terminate. Orchestrators: `tour` (activity, retried activity, timer, external event
with a timeout race, continue_as_new, custom status), `sleeper` (long timer, activities that leave marks in a
file - for restart tests), `lingerer` (one slow activity), `failing`, and `spawner` (an activity with a durable
client binding starts `child`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Generator
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

_attempts: dict[str, int] = {}
_attempts_lock = threading.Lock()


def _json(payload: Any, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(payload), status_code=status, mimetype="application/json")


# ---- plain HTTP ---------------------------------------------------------------------------------------------
@app.route(route="echo/{item_id}", methods=["GET", "POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    return _json(
        {
            "method": req.method,
            "url": req.url,
            "route": dict(req.route_params),
            "params": dict(req.params),
            "body": req.get_body().decode("utf-8"),
            "probe": req.headers.get("x-probe"),
            "form": dict(req.form) if req.get_body() and "form" in (req.headers.get("content-type") or "") else None,
        }
    )


@app.route(route="text", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def text(req: func.HttpRequest) -> str:
    return "plain text"


@app.route(route="boom", methods=["GET"])
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("internal detail that must not reach the caller")


# ---- durable client over HTTP -------------------------------------------------------------------------------
@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_json() if req.get_body() else None
    try:
        instance_id = await client.start_new(req.route_params["name"], req.params.get("id"), body)
    except Exception as exc:
        return _json({"error": str(exc)}, 409)
    response: func.HttpResponse = client.create_check_status_response(req, instance_id)
    return response


@app.route(route="status/{instance_id}", methods=["GET"])
@app.durable_client_input(client_name="client")
async def status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    found = await client.get_status(req.route_params["instance_id"], show_history=req.params.get("history") == "1")
    if not found:
        return _json({"found": False}, 404)
    payload = found.to_json()
    payload["historyEvents"] = getattr(found, "historyEvents", None)
    return _json({"found": True, **payload})


@app.route(route="list", methods=["GET"])
@app.durable_client_input(client_name="client")
async def list_instances(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    wanted = req.params.get("status")
    if wanted:
        found = await client.get_status_by(runtime_status=[df.OrchestrationRuntimeStatus(wanted)])
    else:
        found = await client.get_status_all()
    return _json(sorted(s.instance_id for s in found))


@app.route(route="raise/{instance_id}/{event}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def raise_event(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    try:
        await client.raise_event(req.route_params["instance_id"], req.route_params["event"], req.get_json())
    except Exception as exc:
        return _json({"error": str(exc)}, 410)
    return _json({"raised": True}, 202)


@app.route(route="terminate/{instance_id}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def terminate(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    await client.terminate(req.route_params["instance_id"], req.params.get("reason") or "by test")
    return _json({"terminated": True}, 202)


# ---- orchestrators ------------------------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def tour(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Each generation doubles `n` and sleeps `delay`; the last retries a flaky activity then waits for `go`."""
    data = context.get_input()
    gen = int(data.get("gen", 0))
    context.set_custom_status({"gen": gen, "stage": "doubling"})
    doubled = yield context.call_activity("double", data["n"])
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=float(data["delay"])))
    if gen + 1 < int(data.get("generations", 1)):
        context.continue_as_new({**data, "gen": gen + 1, "n": doubled})
        return None
    attempts = yield context.call_activity_with_retry(
        "flaky", df.RetryOptions(100, 3), {"key": context.instance_id, "failures": int(data.get("failures", 1))}
    )
    context.set_custom_status({"gen": gen, "stage": "waiting"})
    timeout = context.create_timer(context.current_utc_datetime + timedelta(seconds=float(data.get("wait", 30))))
    go = context.wait_for_external_event("go")
    winner = yield context.task_any([go, timeout])
    if winner == go:
        timeout.cancel()
    context.set_custom_status({"gen": gen, "stage": "done"})
    return {"doubled": doubled, "attempts": attempts, "event": go.result if winner == go else None, "gen": gen}


@app.orchestration_trigger(context_name="context")
def sleeper(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Mark, sleep, mark: the file shows how often each activity really ran."""
    data = context.get_input()
    yield context.call_activity("record", {"path": data["path"], "label": "before"})
    context.set_custom_status("sleeping")
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=float(data["seconds"])))
    yield context.call_activity("record", {"path": data["path"], "label": "after"})
    context.set_custom_status("woke")
    return "rested"


@app.orchestration_trigger(context_name="context")
def lingerer(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """One slow activity: stopping the host while it runs shows that it runs again (at-least-once)."""
    result = yield context.call_activity("linger", context.get_input())
    return result


@app.orchestration_trigger(context_name="context")
def failing(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    context.set_custom_status("about to fail")
    yield context.call_activity("double", 1)
    raise ValueError("the orchestrator gave up")


@app.orchestration_trigger(context_name="context")
def spawner(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    child_id = yield context.call_activity("start_child", {"id": f"{context.instance_id}-child", "word": "hi"})
    shout = yield context.call_activity("shout", "quiet")
    return {"child": child_id, "shout": shout}


@app.orchestration_trigger(context_name="context")
def child(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    word = context.get_input()["word"]
    result = yield context.call_activity("shout", word)
    return result


# ---- activities ---------------------------------------------------------------------------------------------
@app.activity_trigger(input_name="n")
def double(n: int) -> int:
    return n * 2


@app.activity_trigger(input_name="request")
def flaky(request: dict[str, Any]) -> int:
    with _attempts_lock:
        _attempts[request["key"]] = attempt = _attempts.get(request["key"], 0) + 1
    if attempt <= int(request["failures"]):
        raise ConnectionError(f"attempt {attempt} failed on purpose")
    return attempt


@app.activity_trigger(input_name="mark")
def record(mark: dict[str, str]) -> str:
    with Path(mark["path"]).open("a", encoding="utf-8") as handle:
        handle.write(mark["label"] + "\n")
    return mark["label"]


@app.activity_trigger(input_name="job")
def linger(job: dict[str, Any]) -> str:
    path = Path(job["path"])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("start\n")
    time.sleep(float(job["seconds"]))
    with path.open("a", encoding="utf-8") as handle:
        handle.write("end\n")
    return "lingered"


@app.activity_trigger(input_name="word")
async def shout(word: str) -> str:
    return word.upper()


@app.activity_trigger(input_name="payload")
@app.durable_client_input(client_name="client")
async def start_child(payload: dict[str, Any], client: df.DurableOrchestrationClient) -> str:
    instance_id: str = await client.start_new("child", payload["id"], payload)
    return instance_id
