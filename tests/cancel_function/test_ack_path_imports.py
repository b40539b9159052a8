"""Cold start: indexing the function app loads no HTTP or Slack client and none of the functions' own code, and
answering the first slash command loads none of the packages only other paths need (`benchmarks/cold_start.py`
measures what that buys).

Both checks run in fresh processes: the first imports `function_app` and indexes it as the worker does; the second
is the cold-start benchmark's own run - the dev host spawned, one signed `/cpp cancel` over HTTP, `sys.modules`
dumped after the answer.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks import cold_start
from devhost.functions.loader import REPO_ROOT

# Loaded only when an activity or the Slack route runs: indexing the app (every cold worker does it, whatever it
# was started for) must not pay for them - the clients, nor the code of the functions themselves (registry.py
# registers each by name, imported on first use).
NOT_AT_INDEXING = (
    "requests",
    "urllib3",
    "charset_normalizer",
    "slack_sdk",
    "slack_bolt",
    "slack_app",
    "cppcancel.settings",
    "cppcancel.contracts",
    "backends",
    "record_store",
    "cancel_function.slack_routes",
    "cancel_function.cancel_orchestrator",
    "poll_function.watch_orchestrator",
    "microsoft_teams",
    "teams_app.sdk_app",
)
# Never on the way to the first answer of a slash command: the managed-identity token (azure-identity, msal and
# their crypto), the webhook's verifier, the Azure Tables record store, YAML; the other front ends and backends - the
# Teams SDK (`microsoft-teams-apps` 2.x imports as `microsoft_teams`, its docs' samples as `microsoft.teams`; the
# archived Bot Framework as `botbuilder`) and the Partner Center submission API's client, wherever it lives
# (`submission_api`, or `backends.submission` as a backend); and the code of the other paths (the webhooks, the
# cancel orchestration and its send, the watcher, a job's status reads). A name counts with every submodule.
_INDEXED = ("__init__", "registry")  # what of teams_app indexing loads: the route's name, none of its code
NOT_ON_THE_ACK_PATH = (
    "azure.identity",
    "msal",
    "cryptography",
    "jwt",
    "standardwebhooks",
    "azure.data.tables",
    "azure.core",
    "yaml",
    "record_store.tables",
    "microsoft_teams",
    "microsoft.teams",
    "botbuilder",
    *(f"teams_app.{path.stem}" for path in (REPO_ROOT / "teams_app").glob("*.py") if path.stem not in _INDEXED),
    "partner_center",
    "backends.submission.client",
    "backends.submission.tokens",
    "backends.submission.urls",
    "submission_api",
    "cancel_function.webhook_routes",
    "cancel_function.job_routes",
    # the buttons' code and what only Confirm and a deferred answer use: the start-once service and the instance
    # status it reads, the send's results, the chat port (orchestrations' side), the durable follow-up
    "slack_app.listeners.confirm_cancel",
    "slack_app.listeners.stop_watching",
    "cppcancel.start_cancel",
    "cppcancel.instances",
    "cppcancel.sending",
    "cppcancel.chat",
    "slack_app.later",
    "cancel_function.cancel_orchestrator",
    "cancel_function.exactly_once",
    "cancel_function.send_activity",
    "poll_function.watch_orchestrator",
    "poll_function.watch_logic",
    "cppcancel.schedule",
    "cppcancel.webhook_request",
    "record_store.job_reads",
    "cppcancel.approvals",  # the two-person rule: read by Confirm, Approve and /cpp history only
    "record_store.approvals",
    "fastapi",
    "httpx",
)


def loaded(names: tuple[str, ...], modules: list[str]) -> list[str]:
    """The names of `names` that are in `modules`, themselves or by a submodule."""
    return sorted(name for name in names if any(m == name or m.startswith(name + ".") for m in modules))


def test_the_check_sees_submodules() -> None:
    assert loaded(("microsoft.teams", "slack_app"), ["microsoft.teams.apps", "slack_app_x"]) == ["microsoft.teams"]


INDEX = (
    "import json, sys\n"
    "import function_app\n"
    "names = sorted(f.get_function_name() for f in function_app.app.get_functions())\n"
    "print(json.dumps({'functions': names, 'modules': sorted(sys.modules)}))\n"
)


def test_indexing_the_app_loads_no_http_or_slack_client() -> None:
    done = subprocess.run([sys.executable, "-c", INDEX], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    assert loaded(NOT_AT_INDEXING, found["modules"]) == [], "indexing imported these"
    for name in (
        "slack_commands",
        "slack_interactions",
        "answer_slack_later",
        "answer_slack_command",
        "send_cancel",
        "teams_messages",
    ):
        assert name in found["functions"], "every function is still registered"
    assert "watch_operation" in found["functions"] and "poll_job" in found["functions"]


@pytest.mark.e2e
def test_the_first_slash_command_answer_loads_only_what_it_needs() -> None:
    with cold_start.outside_world(0.0) as stand:
        run = cold_start.spawn_once(cold_start.SUBJECTS[0], stand)
        for _ in range(2):  # a loaded machine may rightly defer a cold answer ("Looking up…"): measure an inline one
            if not run.deferred:
                break
            run = cold_start.spawn_once(cold_start.SUBJECTS[0], stand)
    assert run.status == 200
    assert run.modules, "the dev host dumped its modules"
    assert not run.deferred, 'the inline answer was measured, not a "Looking up…"'
    assert "slack_bolt" in run.modules, "the check looks at a process that really answered through Bolt"
    assert loaded(NOT_ON_THE_ACK_PATH, run.modules) == [], "the ack path imported these"
