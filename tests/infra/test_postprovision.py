"""infra/hooks/postprovision.py, run as azd runs it (outputs in the environment) or on `az deployment` outputs, offline.

For each identity path it must print the IDs the team enters in Partner Center, taken from the deployment's outputs,
and write the Slack manifest with the deployed URLs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.helpers import MANIFEST_PLACEHOLDER, REPO_ROOT

Trees = dict[str, dict[str, Any]]
SCRIPT = REPO_ROOT / "infra" / "hooks" / "postprovision.py"
BASE = "https://func-cppcancel-abc123.azurewebsites.net"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
UAMI_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
UAMI_PRINCIPAL_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
APP_ID = "99999999-8888-7777-6666-555555555555"
APP_SP_ID = "12121212-3434-5656-7878-909090909090"


def sample_outputs(mode: str, *, app_id: str = "", sp_id: str = "", app_name: str = "") -> dict[str, str]:
    """What main.bicep outputs for a deployment on that identity path (values as azd puts them in the env)."""
    uses_app = mode != "managed-identity"
    return {
        "AZURE_TENANT_ID": TENANT,
        "AZURE_KEY_VAULT_NAME": "kv-abc123",
        "AZURE_MANAGED_IDENTITY_NAME": "id-cppcancel-abc123",
        "AZURE_MANAGED_IDENTITY_CLIENT_ID": UAMI_CLIENT_ID,
        "AZURE_MANAGED_IDENTITY_PRINCIPAL_ID": UAMI_PRINCIPAL_ID,
        "FUNCTION_APP_BASE_URL": BASE,
        "SLACK_COMMAND_URL": f"{BASE}/api/slack/commands",
        "SLACK_INTERACTIVITY_URL": f"{BASE}/api/slack/interactions",
        "WEBHOOK_URL": f"{BASE}/api/webhooks/cancel",
        "IDENTITY_MODE": mode,
        "PARTNER_CENTER_APPLICATION_NAME": app_name if uses_app else "id-cppcancel-abc123",
        "PARTNER_CENTER_APPLICATION_ID": app_id if uses_app else UAMI_CLIENT_ID,
        "PARTNER_CENTER_SERVICE_PRINCIPAL_ID": sp_id if uses_app else UAMI_PRINCIPAL_ID,
        "FEDERATED_CREDENTIAL_ISSUER": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "FEDERATED_CREDENTIAL_SUBJECT": UAMI_PRINCIPAL_ID,
        "FEDERATED_CREDENTIAL_AUDIENCE": "api://AzureADTokenExchange",
        "AZURE_KEY_VAULT_CERTIFICATE_NAME": "cppcancel-app" if mode == "app-certificate" else "",
        "PARTNER_CENTER_ROLE": "Manager",
    }


def run_hook(tmp_path: Path, outputs: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Like azd: the project root as working directory, outputs and AZURE_ENV_NAME in the environment."""
    env = {k: v for k, v in os.environ.items() if k not in outputs}
    env.update(outputs)
    env["AZURE_ENV_NAME"] = "team-a"
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


def field(stdout: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}:\s+(.+)$", stdout, re.MULTILINE)
    assert match, f"no line {label!r} in:\n{stdout}"
    return match.group(1).strip()


def test_writes_a_pasteable_manifest(tmp_path: Path) -> None:
    proc = run_hook(tmp_path, sample_outputs("managed-identity"))
    assert proc.returncode == 0, proc.stderr
    rendered_text = (tmp_path / ".azure" / "team-a" / "slack-manifest.yaml").read_text()
    assert MANIFEST_PLACEHOLDER not in rendered_text
    rendered = yaml.safe_load(rendered_text)
    assert rendered["features"]["slash_commands"][0]["url"] == f"{BASE}/api/slack/commands"
    assert rendered["settings"]["interactivity"]["request_url"] == f"{BASE}/api/slack/interactions"
    assert field(proc.stdout, "Slash command URL") == f"{BASE}/api/slack/commands"
    assert field(proc.stdout, "Webhook URL") == f"{BASE}/api/webhooks/cancel"


def test_managed_identity_path_prints_the_identity(tmp_path: Path) -> None:
    proc = run_hook(tmp_path, sample_outputs("managed-identity"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "IDENTITY_MODE=managed-identity" in out
    assert field(out, "Application").startswith("id-cppcancel-abc123 (the function app's user-assigned managed")
    assert field(out, "Application (client) ID") == UAMI_CLIENT_ID
    assert field(out, 'Object ID (service principal, "Managed application in local directory")') == UAMI_PRINCIPAL_ID
    assert field(out, "Directory (tenant) ID") == TENANT
    assert field(out, "Role") == "Manager (the Product Ingestion API requires Manager)"
    assert "User management > Microsoft Entra applications" in field(out, "Where")
    assert "Not shown by Microsoft's documents" in out and "only if your Partner Center lists the identity" in out
    assert "IDENTITY_MODE=app-federated" in out  # the documented default to go back to


@pytest.mark.parametrize("mode", ["app-federated", "app-certificate", "managed-identity"])
def test_no_path_claims_a_role_mapping_no_source_gives(tmp_path: Path, mode: str) -> None:
    """No Microsoft source maps Partner Center's Manager/Developer onto the old portal's Owner/Contributor."""
    for outputs in (sample_outputs(mode), sample_outputs(mode, app_id=APP_ID, app_name="cppcancel-team-a")):
        proc = run_hook(tmp_path, outputs)
        assert proc.returncode == 0, proc.stderr
        assert "Owner" not in proc.stdout and "Contributor" not in proc.stdout
    assert "Owner" not in SCRIPT.read_text() and "Contributor" not in SCRIPT.read_text()


def test_without_an_identity_mode_output_the_hook_assumes_the_bicep_default(tmp_path: Path, bicep_trees: Trees) -> None:
    default = bicep_trees["main.bicep"]["parameters"]["identityMode"]["default"]
    outputs = {k: v for k, v in sample_outputs(default).items() if k != "IDENTITY_MODE"}
    proc = run_hook(tmp_path, outputs)
    assert proc.returncode == 0, proc.stderr
    assert f"IDENTITY_MODE={default}" in proc.stdout


def test_federated_path_prints_the_app_registration_and_its_trust(tmp_path: Path) -> None:
    outputs = sample_outputs("app-federated", app_id=APP_ID, sp_id=APP_SP_ID, app_name="cppcancel-team-a")
    proc = run_hook(tmp_path, outputs)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert field(out, "Application").startswith("cppcancel-team-a (app registration")
    assert field(out, "Application (client) ID") == APP_ID
    assert field(out, 'Object ID (service principal, "Managed application in local directory")') == APP_SP_ID
    assert UAMI_CLIENT_ID not in out  # the managed identity is not what Partner Center gets on this path
    credential = json.loads(next(line for line in out.splitlines() if line.strip().startswith("{")))
    assert credential["issuer"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert credential["subject"] == UAMI_PRINCIPAL_ID
    assert credential["audiences"] == ["api://AzureADTokenExchange"]


def test_federated_path_without_an_app_prints_how_to_create_it(tmp_path: Path) -> None:
    proc = run_hook(tmp_path, sample_outputs("app-federated"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "no app registration yet" in out
    assert "az ad app create --display-name cppcancel-team-a" in out
    assert 'az ad sp create --id "$APP_ID"' in out
    command = next(line for line in out.splitlines() if "az ad app federated-credential create" in line)
    credential = json.loads(command.split("--parameters ", 1)[1].strip("'"))
    assert (credential["subject"], credential["audiences"]) == (UAMI_PRINCIPAL_ID, ["api://AzureADTokenExchange"])
    assert 'azd env set IDENTITY_APP_CLIENT_ID "$APP_ID"' in out and "azd provision" in out
    assert "Application (client) ID" not in out  # nothing to paste yet
    assert "add the app registration cppcancel-team-a in Partner Center, role Manager" in out
    assert "User management > Microsoft Entra applications" in out


def test_certificate_path_prints_the_app_and_the_vault_steps(tmp_path: Path) -> None:
    created = run_hook(tmp_path, sample_outputs("app-certificate"))
    assert created.returncode == 0, created.stderr
    assert (
        "az ad sp create-for-rbac --name cppcancel-team-a --create-cert --cert cppcancel-app --keyvault kv-abc123"
        in created.stdout
    )
    outputs = sample_outputs("app-certificate", app_id=APP_ID, app_name="cppcancel-team-a")
    proc = run_hook(tmp_path, outputs)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert field(out, "Application (client) ID") == APP_ID
    object_id = field(out, 'Object ID (service principal, "Managed application in local directory")')
    assert object_id == f'(not given: az ad sp show --id "{APP_ID}" --query id -o tsv)'
    assert "cppcancel-app" in field(out, "Application") and "kv-abc123" in field(out, "Application")


def test_reads_az_deployment_outputs_whatever_their_case(tmp_path: Path) -> None:
    """`az deployment group show --query properties.outputs` gives {name: {type, value}}; ARM may change the case."""
    arm = {
        (name[0].lower() + name[1:]): {"type": "String", "value": value}
        for name, value in sample_outputs("app-federated", app_id=APP_ID, sp_id=APP_SP_ID, app_name="x").items()
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(arm))
    env = {k: v for k, v in os.environ.items() if k != "AZURE_ENV_NAME"}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--outputs", str(path), "--env-name", "team-b"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert field(proc.stdout, "Application (client) ID") == APP_ID
    assert (tmp_path / ".azure" / "team-b" / "slack-manifest.yaml").is_file()


@pytest.mark.parametrize("bad", [{"FUNCTION_APP_BASE_URL": ""}, {"FUNCTION_APP_BASE_URL": "http://plain.example"}])
def test_refuses_to_write_a_manifest_without_an_https_base_url(tmp_path: Path, bad: dict[str, str]) -> None:
    proc = run_hook(tmp_path, {**sample_outputs("managed-identity"), **bad})
    assert proc.returncode == 2
    assert "FUNCTION_APP_BASE_URL" in proc.stderr
    assert not (tmp_path / ".azure" / "team-a" / "slack-manifest.yaml").exists()


def test_every_output_the_script_reads_is_a_main_bicep_output(bicep_trees: Trees) -> None:
    text = SCRIPT.read_text()
    read = set(re.findall(r'(?:_value\(outputs, |outputs\.get\()"([A-Z][A-Z0-9_]+)"', text))
    read |= set(re.findall(r"_value\(outputs, '([A-Z][A-Z0-9_]+)'", text))
    assert {"PARTNER_CENTER_APPLICATION_ID", "FEDERATED_CREDENTIAL_SUBJECT", "FUNCTION_APP_BASE_URL"} <= read
    outputs = set(bicep_trees["main.bicep"]["outputs"])
    assert read - outputs == set(), f"not main.bicep outputs: {sorted(read - outputs)}"
    assert set(sample_outputs("managed-identity")) <= outputs
