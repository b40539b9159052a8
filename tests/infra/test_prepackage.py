"""infra/hooks/prepackage.py: it byte-compiles the app for the function app's Python, and refuses any other Python.

A worker ignores every .pyc of another Python version (their file names carry the version tag), so a package compiled
by the wrong interpreter deploys fine and then compiles the app from source on every cold start: a silent loss of
what the hook is for. The hook therefore fails loudly, and azd (continueOnError: false) stops the deploy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.infra.helpers import PARAMETERS_FILE, REPO_ROOT
from tests.infra.helpers import prepackage_hook as hook

Trees = dict[str, dict[str, Any]]
SCRIPT = REPO_ROOT / "infra" / "hooks" / "prepackage.py"
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
OTHER_PYTHON = "3.12" if THIS_PYTHON != "3.12" else "3.11"


def run_hook(app_python: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != hook().PYTHON_VERSION_VARIABLE}
    if app_python is not None:
        env[hook().PYTHON_VERSION_VARIABLE] = app_python
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_package_for_another_python_fails_loudly_before_compiling(tmp_path: Path) -> None:
    marker = REPO_ROOT / "cppcancel" / "__pycache__" / f"offer_apis.{sys.implementation.cache_tag}.pyc"
    before = marker.stat().st_mtime_ns if marker.exists() else None
    run = run_hook(OTHER_PYTHON)
    assert run.returncode != 0
    assert f"Python {THIS_PYTHON}" in run.stderr and f"Python {OTHER_PYTHON}" in run.stderr
    assert "pythonVersion" in run.stderr and "nothing is deployed" in run.stderr
    assert (marker.stat().st_mtime_ns if marker.exists() else None) == before, "nothing was compiled"


def test_the_same_python_compiles(tmp_path: Path) -> None:
    run = run_hook(THIS_PYTHON)
    assert run.returncode == 0, run.stderr
    assert f"for Python {THIS_PYTHON}" in run.stdout


def test_the_apps_python_is_main_bicep_default_unless_azd_sets_it(bicep_trees: Trees) -> None:
    """The hook reads what the deployment uses: the azd variable main.parameters.json feeds to pythonVersion, and
    without it main.bicep's default (azd uses a parameter's default when its variable is unset or empty)."""
    module = hook()
    default = bicep_trees["main.bicep"]["parameters"]["pythonVersion"]["default"]
    assert module.app_python_version({}) == default
    assert module.app_python_version({module.PYTHON_VERSION_VARIABLE: ""}) == default
    assert module.app_python_version({module.PYTHON_VERSION_VARIABLE: "3.12"}) == "3.12"
    parameters = json.loads(PARAMETERS_FILE.read_text())["parameters"]
    assert parameters["pythonVersion"] == {"value": f"${{{module.PYTHON_VERSION_VARIABLE}}}"}
