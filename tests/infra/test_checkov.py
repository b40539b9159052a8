"""checkov's Azure checks over infra/ (Bicep): no failed check; the few skips live, with reasons, in the config.

checkov skips a file it cannot parse without failing, so the run must also show checks on every file that holds a
checkable resource, and a floor of passed checks.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
import yaml

from tests.infra.helpers import CHECKOV_CONFIG, INFRA_DIR, REPO_ROOT, infra_tool

# Files whose resources checkov has checks for: each must show up among the passed checks.
CHECKED_FILES = {
    "/main.bicep",
    "/app/api.bicep",
    "/core/security/key-vault.bicep",
    "/core/storage/storage-account.bicep",
}
MIN_PASSED = 25
MAX_SKIPS = 12


@pytest.fixture(scope="module")
def checkov_report() -> dict[str, Any]:
    checkov = infra_tool("checkov")
    proc = subprocess.run(
        [
            str(checkov),
            "--directory",
            str(INFRA_DIR),
            "--framework",
            "bicep",
            "--config-file",
            str(CHECKOV_CONFIG),
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=REPO_ROOT,
    )
    assert proc.stdout.strip(), f"checkov printed nothing (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    report: Any = json.loads(proc.stdout)
    if isinstance(report, list):  # one report per framework when several ran
        report = next(r for r in report if r.get("check_type") == "bicep")
    assert isinstance(report, dict) and report.get("check_type") == "bicep", f"no bicep report: {proc.stdout[:2000]}"
    return report


def test_checkov_finds_no_failed_check(checkov_report: dict[str, Any]) -> None:
    failed = [
        f"{c['check_id']} {c['check_name']} - {c['resource']} ({c['file_path']})"
        for c in checkov_report["results"]["failed_checks"]
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert checkov_report["summary"]["failed"] == 0


def test_checkov_parsed_everything_and_checks_ran(checkov_report: dict[str, Any]) -> None:
    summary = checkov_report["summary"]
    assert summary["parsing_errors"] == 0, checkov_report["results"].get("parsing_errors")
    assert summary["passed"] >= MIN_PASSED, f"only {summary['passed']} checks passed: did checkov skip files?"
    files = {c["file_path"] for c in checkov_report["results"]["passed_checks"]}
    assert files >= CHECKED_FILES, f"no checks ran on {sorted(CHECKED_FILES - files)}"


def test_skip_list_is_short_and_justified() -> None:
    """Every skipped check sits under a comment giving its reason."""
    config = yaml.safe_load(CHECKOV_CONFIG.read_text())
    skips: list[str] = config["skip-check"]
    assert 0 < len(skips) <= MAX_SKIPS
    assert config["framework"] == ["bicep"]
    lines = CHECKOV_CONFIG.read_text().splitlines()
    for check in skips:
        index = next(i for i, line in enumerate(lines) if line.strip() == f"- {check}")
        above = index - 1
        while lines[above].strip().startswith("- CKV_"):  # several checks may share one reason
            above -= 1
        assert lines[above].strip().startswith("#"), f"{check} has no reason in {CHECKOV_CONFIG.name}"
