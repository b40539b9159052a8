"""Cold start: indexing the function app loads no HTTP or Slack client, and answering the first slash command loads
none of the packages only other paths need (`benchmarks/cold_start.py` measures what that buys).

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
# was started for) must not pay for them.
NOT_AT_INDEXING = ("requests", "urllib3", "charset_normalizer", "slack_sdk", "slack_bolt", "microsoft_teams")
# Never on the way to the first answer of a slash command: the managed-identity token (azure-identity, msal and
# their crypto), the webhook's verifier, the Azure Tables record store, YAML, the Teams SDK (and its web stack).
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
    "fastapi",
    "httpx",
)

INDEX = (
    "import json, sys\n"
    "import function_app\n"
    "names = sorted(f.get_function_name() for f in function_app.app.get_functions())\n"
    "print(json.dumps({'functions': names, 'modules': sorted(sys.modules)}))\n"
)


def test_indexing_the_app_loads_no_http_or_slack_client() -> None:
    done = subprocess.run([sys.executable, "-c", INDEX], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    loaded = sorted(name for name in NOT_AT_INDEXING if name in found["modules"])
    assert loaded == [], f"indexing imported {loaded}"
    for name in (
        "slack_commands",
        "slack_interactions",
        "answer_slack_later",
        "answer_slack_command",
        "send_cancel",
        "teams_messages",
    ):
        assert name in found["functions"], "every function is still registered"


@pytest.mark.e2e
def test_the_first_slash_command_answer_loads_only_what_it_needs() -> None:
    with cold_start.outside_world(0.0) as stand:
        run = cold_start.spawn_once(cold_start.SUBJECTS[0], stand)
    assert run.status == 200
    assert run.modules, "the dev host dumped its modules"
    assert not run.deferred, 'the inline answer was measured, not a "Looking up…"'
    assert "slack_bolt" in run.modules, "the check looks at a process that really answered through Bolt"
    loaded = sorted(name for name in NOT_ON_THE_ACK_PATH if name in run.modules)
    assert loaded == [], f"the ack path imported {loaded}"
