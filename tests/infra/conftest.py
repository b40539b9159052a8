"""Session fixtures of the infra checks: the Bicep parse trees and the HTTP routes the function app registers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.helpers import bicep_files, parse_bicep


@pytest.fixture(scope="session")
def bicep_outcomes() -> dict[str, dict[str, Any]]:
    """Every .bicep file under infra/, parsed once: {path under infra/: {"tree": ...} or {"error": ...}}."""
    files = bicep_files()
    assert files, "no .bicep files under infra/"
    return parse_bicep(files)


@pytest.fixture(scope="session")
def bicep_trees(bicep_outcomes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The parse trees; any parse error fails every test that reads them (checkov would skip such a file silently)."""
    errors = {name: outcome["error"] for name, outcome in bicep_outcomes.items() if "error" in outcome}
    if errors:
        pytest.fail(f"Bicep files pycep-parser cannot parse: {errors}", pytrace=False)
    return {name: outcome["tree"] for name, outcome in bicep_outcomes.items()}


@pytest.fixture(scope="session")
def http_triggers(app_functions: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{route: httpTrigger binding} of every HTTP function registered on function_app.app.

    Built on the suite's `app_functions` fixture (tests/conftest.py), which calls `app.get_functions()` once per
    session: a second call on the same app object raises.
    """
    triggers: dict[str, dict[str, Any]] = {}
    for function in app_functions.values():
        for binding in json.loads(function.get_function_json())["bindings"]:
            if binding.get("type") == "httpTrigger":
                triggers[binding.get("route") or function.get_function_name()] = binding
    return triggers
