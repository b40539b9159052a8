"""Every setting the app reads is shown in local.settings.example.json and in the README's settings table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cppcancel.settings
import cppcancel.submission_settings
import cppcancel.teams_settings

ROOT = Path(__file__).resolve().parents[1]


def _settings_read_by_the_app() -> set[str]:
    """Every name read in the settings modules (the app's own, and each chat's and API's beside it)."""
    modules = (cppcancel.settings, cppcancel.teams_settings, cppcancel.submission_settings)
    source = "".join(Path(str(module.__file__)).read_text(encoding="utf-8") for module in modules)
    return set(re.findall(r'env,\s*"([A-Z][A-Z0-9_]+)"', source))


def test_the_scan_finds_the_settings() -> None:
    assert {"CPP_BASE_URL", "SLACK_SIGNING_SECRET", "CANCEL_POLICY", "WATCH_TIMEOUT_S"} <= _settings_read_by_the_app()


def test_setting_names_lists_what_the_app_reads() -> None:
    assert set(cppcancel.settings.SETTING_NAMES) == _settings_read_by_the_app() | {"AZURE_CLIENT_ID"}


def test_every_setting_is_in_the_example_file() -> None:
    values = json.loads((ROOT / "local.settings.example.json").read_text(encoding="utf-8"))["Values"]
    assert _settings_read_by_the_app() - set(values) == set()


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert {name for name in _settings_read_by_the_app() if f"`{name}`" not in readme} == set()


def test_the_readme_says_which_api_serves_which_offer() -> None:
    """The CPP for offers integrated before Partner Center (maintenance mode), the Product Ingestion API for SaaS,
    VM, container and private offers, the Partner Center submission API for Azure Applications: three columns."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Three backends", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in table.splitlines() if line.startswith("| which offers"))
    assert "maintenance mode" in row and "before the move to Partner Center" in row
    assert "SaaS, VM, container and private offers" in row and "preview" in row
    assert "Azure Application" in row and "SUBMISSION_API_PUBLISHERS" in row
    header = next(line for line in table.splitlines() if line.startswith("| |"))
    assert header.count("|") == 5 and "Partner Center submission API" in header
