"""What the deployed package holds: the tree after `.funcignore`, read with a gitignore matcher as azd reads it.

azd zips the service's folder (the repository root) minus what `.funcignore` names, in gitignore syntax. The walk
below is that: every file under the root that no pattern excludes, including untracked ones a developer has lying
around (a local.settings.json, a key file), because azd packages the working tree, not the git index.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import PurePosixPath

from pathspec import GitIgnoreSpec

from tests.infra.helpers import REPO_ROOT, prepackage_hook

# Dev-only parts of the tree: none of them, and nothing below them, may ship.
DEV_FOLDERS = {"devhost", "benchmarks", "tests", "tools", "docs", "infra", ".ci", ".github", ".git"}
LOCAL_FOLDERS = {".venv", ".venv-infra", ".devhost", ".azure", ".azurite", "node_modules", ".pytest_cache"}
DEV_FILES = {"Makefile", "pyproject.toml", "requirements-dev.txt", "requirements-infra.txt", "azure.yaml"}
STAND_IN = re.compile(r"emulator|stand_?in", re.IGNORECASE)
LOCAL_SETTINGS = re.compile(r"local\.settings.*\.json")
SECRET = re.compile(r"(\.(pem|key|pfx|p12)|^\.env(\..*)?|^id_(rsa|ed25519).*)$")


def _spec() -> GitIgnoreSpec:
    return GitIgnoreSpec.from_lines((REPO_ROOT / ".funcignore").read_text(encoding="utf-8").splitlines())


@cache
def shipped() -> frozenset[str]:
    """Every file azd would put in the package, as a path relative to the root."""
    spec, found = _spec(), set[str]()
    for folder, dirs, names in os.walk(REPO_ROOT):
        here = PurePosixPath(os.path.relpath(folder, REPO_ROOT).replace(os.sep, "/"))
        dirs[:] = [d for d in dirs if not spec.match_file(f"{here / d}/")]
        found.update(path for name in names if not spec.match_file(path := str(here / name)))
    return frozenset(found)


def test_no_dev_host_stand_in_benchmark_test_tool_docs_or_infra_ships() -> None:
    parts = {path: PurePosixPath(path).parts for path in shipped()}
    dev = sorted(path for path, segments in parts.items() if DEV_FOLDERS & set(segments))
    assert dev == [], f"dev-only folders would ship: {dev[:10]}"
    stand_ins = sorted(path for path in shipped() if STAND_IN.search(path))
    assert stand_ins == [], f"an emulator or stand-in would ship: {stand_ins}"
    local = sorted(path for path, segments in parts.items() if LOCAL_FOLDERS & set(segments))
    assert local == [], f"local environments or state would ship: {local[:10]}"
    assert DEV_FILES.isdisjoint(shipped()), f"dev files would ship: {sorted(DEV_FILES & shipped())}"
    assert not any(path.endswith(".md") for path in shipped()), "docs would ship"


def test_no_local_settings_or_secret_files_ship() -> None:
    names = {path: PurePosixPath(path).name for path in shipped()}
    settings = sorted(path for path, name in names.items() if LOCAL_SETTINGS.fullmatch(name))
    assert settings == [], f"local settings would ship: {settings}"
    secrets = sorted(path for path, name in names.items() if SECRET.search(name))
    assert secrets == [], f"secret files would ship: {secrets}"


def test_the_rules_hold_for_files_a_developer_may_add() -> None:
    """Untracked files are packaged too: these must be left out wherever they appear."""
    spec = _spec()
    for path in (
        "local.settings.json",
        "local.settings.example.json",
        ".env",
        "certs/app.pfx",
        "signing.key",
        "cancel_function/notes.md",
        ".venv/lib/site.py",
        "devhost/standins/cpp/server.py",
    ):
        assert spec.match_file(path), f"{path} would ship"


def test_the_app_and_every_production_package_ship() -> None:
    assert {"function_app.py", "host.json", "requirements.txt"} <= shipped()
    sources = prepackage_hook().APP_SOURCES  # what the deployed app imports, by the hook that compiles it
    for name in sources:
        root = REPO_ROOT / name
        files = [root] if root.is_file() else [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]
        assert files, f"{name} has no Python files"
        missing = sorted(str(p.relative_to(REPO_ROOT)) for p in files if str(p.relative_to(REPO_ROOT)) not in shipped())
        assert missing == [], f"{name}: these would not ship: {missing}"


def test_what_is_left_out_exists_so_the_checks_above_can_fail() -> None:
    for path in ("devhost/__main__.py", "devhost/standins/server.py", "tests/conftest.py", "Makefile", "docs"):
        assert (REPO_ROOT / path).exists(), f"{path} is gone: the walk no longer sees what it must leave out"
        assert path not in shipped()
