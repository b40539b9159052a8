"""azure.yaml and infra/main.parameters.json: what `azd up` reads, checked against main.bicep."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
import yaml

from tests.infra.helpers import (
    AZURE_YAML,
    HOST_JSON,
    PARAMETERS_FILE,
    REPO_ROOT,
    decorators,
)

Trees = dict[str, dict[str, Any]]
ENV_REFERENCE = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)\}$")


@pytest.fixture(scope="module")
def azure_yaml() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(AZURE_YAML.read_text())
    return loaded


def test_azure_yaml_deploys_the_api_service(azure_yaml: dict[str, Any]) -> None:
    assert azure_yaml["name"]
    assert azure_yaml["infra"]["provider"] == "bicep"
    assert azure_yaml["infra"]["path"] == "infra"
    assert azure_yaml["infra"].get("module", "main") == "main"
    api = {key: value for key, value in azure_yaml["services"]["api"].items() if key != "hooks"}
    assert set(azure_yaml["services"]) == {"api"}
    assert api == {"project": ".", "language": "python", "host": "function"}


def test_host_route_prefix_is_api() -> None:
    """The URLs in the outputs and the manifest assume the routes sit under /api/."""
    assert json.loads(HOST_JSON.read_text())["extensions"]["http"]["routePrefix"] == "api"


def test_parameters_file_matches_main(bicep_trees: Trees) -> None:
    declared = bicep_trees["main.bicep"]["parameters"]
    parameters = json.loads(PARAMETERS_FILE.read_text())["parameters"]
    assert set(parameters) <= set(declared), f"not in main.bicep: {sorted(set(parameters) - set(declared))}"
    required = {name for name, p in declared.items() if p.get("default") is None}
    assert required <= set(parameters), f"required but not mapped: {sorted(required - set(parameters))}"
    assert parameters["environmentName"] == {"value": "${AZURE_ENV_NAME}"}
    assert parameters["location"] == {"value": "${AZURE_LOCATION}"}
    assert parameters["cancelPolicy"] == {"value": "${CANCEL_POLICY}"}


def test_parameters_file_holds_no_secret_value(bicep_trees: Trees) -> None:
    """Secure parameters come from the azd environment (or stay unset): never a literal in a committed file."""
    declared = bicep_trees["main.bicep"]["parameters"]
    parameters = json.loads(PARAMETERS_FILE.read_text())["parameters"]
    secure = {name for name, p in declared.items() if "secure" in decorators(p)}
    assert secure, "main.bicep declares no secure parameter"
    for name in secure & set(parameters):
        value = parameters[name]["value"]
        assert isinstance(value, str) and ENV_REFERENCE.match(value), f"{name}: not a ${{VARIABLE}} reference"


def test_postprovision_hook_runs_the_offline_script(azure_yaml: dict[str, Any]) -> None:
    """Both shells run the same script (tests/infra/test_postprovision.py runs it with sample outputs)."""
    hooks = azure_yaml["hooks"]["postprovision"]
    assert hooks["posix"]["run"].strip() == "python3 infra/hooks/postprovision.py"
    assert hooks["windows"]["run"].strip() == "python infra/hooks/postprovision.py"
    assert (REPO_ROOT / "infra" / "hooks" / "postprovision.py").is_file()
    for shell in ("posix", "windows"):
        assert hooks[shell]["continueOnError"] is False


def test_deploy_doc_names_what_the_templates_define(bicep_trees: Trees) -> None:
    """docs/deploy.md's commands use the real output, secret and azd variable names."""
    doc = (REPO_ROOT / "docs" / "deploy.md").read_text()
    outputs = set(bicep_trees["main.bicep"]["outputs"])
    for name in re.findall(r"azd env get-value (\w+)", doc):
        assert name in outputs, f"docs/deploy.md reads {name}, not a main.bicep output"
    secret_names = {
        v["value"]
        for v in bicep_trees["core/security/key-vault.bicep"]["variables"].values()
        if isinstance(v["value"], str)
    }
    used = set(re.findall(r"az keyvault secret set --vault-name \"\$KV\" --name ([\w-]+)", doc))
    assert used == secret_names, f"docs set {sorted(used)}, the vault holds {sorted(secret_names)}"
    azd_builtins = {"AZURE_RESOURCE_GROUP", "AZURE_SUBSCRIPTION_ID", "AZURE_LOCATION"}
    mapped = set(re.findall(r"\$\{(\w+)\}", PARAMETERS_FILE.read_text())) | azd_builtins
    for name in re.findall(r"azd env set (\w+)", doc):
        assert name in mapped, f"docs/deploy.md sets {name}, which main.parameters.json does not read"


def test_the_package_ships_the_app_byte_compiled(azure_yaml: dict[str, Any]) -> None:
    """A cold worker on a read-only package mount cannot write __pycache__: the prepackage hook compiles the app
    (checked-hash pycs, never used once stale) and .funcignore keeps them in the zip."""
    hooks = azure_yaml["services"]["api"]["hooks"]["prepackage"]
    assert hooks["posix"]["run"].strip() == "python3 infra/hooks/prepackage.py"
    assert hooks["windows"]["run"].strip() == "python infra/hooks/prepackage.py"
    ignored = (REPO_ROOT / ".funcignore").read_text(encoding="utf-8").split()
    assert "__pycache__" not in ignored and "tests" in ignored
    sources = (REPO_ROOT / "infra" / "hooks" / "prepackage.py").read_text(encoding="utf-8")
    for package in ("cancel_function", "poll_function", "slack_app", "cppcancel", "backends", "record_store"):
        assert f'"{package}"' in sources
    run = subprocess.run(
        [sys.executable, str(REPO_ROOT / "infra" / "hooks" / "prepackage.py")], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    pyc = REPO_ROOT / "slack_app" / "__pycache__" / f"bolt_app.{sys.implementation.cache_tag}.pyc"
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    assert flags == 0b11, "checked-hash: Python checks the source's hash before using it"
