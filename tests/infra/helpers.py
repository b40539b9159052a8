"""Paths and helpers for the offline infra checks: Bicep parse trees (pycep-parser), checkov, azd and Slack files.

checkov and the pycep-parser it pins live in a venv of their own (`.venv-infra`, see the Makefile): the tests call them
as subprocesses. A missing tool fails the tests rather than skipping them, so that an unchecked deployment can never
pass silently.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA_DIR = REPO_ROOT / "infra"
INFRA_VENV = Path(os.environ.get("CPPCANCEL_INFRA_VENV", str(REPO_ROOT / ".venv-infra")))
CHECKOV_CONFIG = INFRA_DIR / ".checkov.yaml"
PARAMETERS_FILE = INFRA_DIR / "main.parameters.json"
ABBREVIATIONS_FILE = INFRA_DIR / "abbreviations.json"
AZURE_YAML = REPO_ROOT / "azure.yaml"
HOST_JSON = REPO_ROOT / "host.json"
MANIFEST = REPO_ROOT / "slack_app" / "manifest.yaml"
PREPACKAGE = REPO_ROOT / "infra" / "hooks" / "prepackage.py"

# What the manifest uses for the function app's origin; azure.yaml's postprovision hook replaces it.
MANIFEST_PLACEHOLDER = "https://FUNCTION_APP_HOST"

# pycep-parser runs in the infra venv: parse every file given, report a tree or an error per file, as JSON.
_PARSE_SCRIPT = """
import json, sys
from pathlib import Path
from pycep import BicepParser

parser = BicepParser()
result = {}
for name in sys.argv[1:]:
    try:
        result[name] = {"tree": parser.parse(file_path=Path(name))}
    except Exception as exc:
        result[name] = {"error": f"{type(exc).__name__}: {exc}"}
json.dump(result, sys.stdout, default=str)
"""


def prepackage_hook() -> ModuleType:
    """infra/hooks/prepackage.py (a script, not a package) loaded as a module."""
    spec = importlib.util.spec_from_file_location("prepackage_hook", PREPACKAGE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def infra_tool(name: str) -> Path:
    """A program of the infra venv; fail (not skip) when it is missing."""
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    path = INFRA_VENV / bindir / name
    if not path.exists():
        pytest.fail(
            f"{path} is missing: the infra checks need the infra venv "
            f"(`make {INFRA_VENV.name}/.installed`, from requirements-infra.txt)",
            pytrace=False,
        )
    return path


def bicep_files() -> list[Path]:
    return sorted(INFRA_DIR.rglob("*.bicep"))


def rel(path: Path) -> str:
    """A Bicep file's key in the parse results: its path under infra/, with forward slashes."""
    return path.relative_to(INFRA_DIR).as_posix()


def parse_bicep(files: list[Path]) -> dict[str, dict[str, Any]]:
    """{relative path: {"tree": ...} or {"error": ...}} for every file, from one pycep-parser subprocess."""
    python = infra_tool("python")
    proc = subprocess.run(
        [str(python), "-c", _PARSE_SCRIPT, *(str(f) for f in files)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=REPO_ROOT,
    )
    if proc.returncode != 0:
        pytest.fail(f"pycep-parser could not run:\n{proc.stderr[-4000:]}", pytrace=False)
    raw: dict[str, dict[str, Any]] = json.loads(proc.stdout)
    return {rel(Path(name)): outcome for name, outcome in raw.items()}


def body(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's or module's own body, under any `for` loop and `if` condition around it."""
    config: dict[str, Any] = resource["config"]
    while ("loop_type" in config or "condition" in config) and isinstance(config.get("config"), dict):
        config = config["config"]
    return config


def resources_of_type(trees: Mapping[str, Mapping[str, Any]], type_: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(file, symbolic name, body) of every declared (not `existing`) resource of that type, in every file."""
    for file, tree in trees.items():
        for symbol, resource in tree.get("resources", {}).items():
            if resource["type"].lower() == type_.lower() and not resource.get("existing"):
                yield file, symbol, body(resource)


def only_resource(trees: Mapping[str, Mapping[str, Any]], type_: str) -> dict[str, Any]:
    found = list(resources_of_type(trees, type_))
    assert len(found) == 1, f"expected exactly one {type_}, found {[(f, s) for f, s, _ in found]}"
    return found[0][2]


def decorators(declaration: Mapping[str, Any]) -> dict[str, Any]:
    return {d["type"]: d.get("argument") for d in declaration.get("decorators", [])}


def walk(node: Any) -> Iterator[Any]:
    """Every dict, list and scalar in a parse tree, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def dotted(node: Any) -> str:
    """`identity.outputs.clientId` from pycep's nested property_accessor operators (a plain name stays as it is)."""
    if isinstance(node, str):
        return node
    operands = node["operator"]["operands"]
    assert node["operator"]["type"] == "property_accessor", node
    return f"{dotted(operands['operand_1'])}.{dotted(operands['operand_2'])}"
