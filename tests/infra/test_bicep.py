"""infra/ on the parsed Bicep tree: every file parses, the modules fit together, and the security baseline holds.

No Bicep CLI offline: pycep-parser (the parser behind checkov's Bicep support) gives the tree. Some settings have no
checkov check at all (shared-key access, blob public access, basic publishing credentials): they are asserted here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.helpers import (
    ABBREVIATIONS_FILE,
    INFRA_DIR,
    bicep_files,
    body,
    decorators,
    only_resource,
    rel,
    resources_of_type,
    walk,
)

Trees = dict[str, dict[str, Any]]

EXPECTED_FILES = {
    "main.bicep",
    "app/api.bicep",
    "app/rbac.bicep",
    "core/identity/user-assigned-identity.bicep",
    "core/monitor/monitoring.bicep",
    "core/security/key-vault.bicep",
    "core/storage/storage-account.bicep",
}

# The app settings the code reads (fixed names), and the ones that must never appear on Flex Consumption or at all.
REQUIRED_SETTINGS = {
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "AZURE_CLIENT_ID",
    "IDENTITY_MODE",
    "IDENTITY_APP_CLIENT_ID",
    "IDENTITY_APP_TENANT_ID",
    "IDENTITY_APP_CERTIFICATE",
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "WEBHOOK_SECRET",
    "CANCEL_POLICY",
    "AUDIT_CHANNEL_ID",
    "SUBMISSION_API_PUBLISHERS",
    "CPP_BASE_URL",
    "CPP_API_VERSION",
    "WATCH_TIMEOUT_S",
    "POLL_INITIAL_INTERVAL_S",
    "POLL_MAX_INTERVAL_S",
}
KEY_VAULT_SETTINGS = ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "WEBHOOK_SECRET")
FORBIDDEN_SETTINGS = {
    "AzureWebJobsStorage",  # a connection string: with shared keys off it could only be wrong
    "FUNCTIONS_WORKER_RUNTIME",  # Flex Consumption: the runtime lives in functionAppConfig.runtime
    "FUNCTIONS_EXTENSION_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTSHARE",
}


def _site(trees: Trees) -> dict[str, Any]:
    return only_resource(trees, "Microsoft.Web/sites")


def _app_settings(trees: Trees) -> dict[str, Any]:
    settings = _site(trees)["properties"]["siteConfig"]["appSettings"]
    names = [s["name"] for s in settings]
    assert len(names) == len(set(names)), f"duplicate app settings: {names}"
    return {s["name"]: s["value"] for s in settings}


# --- Parsing and wiring ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", bicep_files(), ids=rel)
def test_bicep_file_parses(path: Path, bicep_outcomes: Trees) -> None:
    outcome = bicep_outcomes[rel(path)]
    assert "error" not in outcome, f"pycep-parser cannot parse {rel(path)}: {outcome['error']}"
    assert outcome["tree"].get("resources") or outcome["tree"].get("modules"), f"{rel(path)} declares nothing"


def test_expected_files_present(bicep_trees: Trees) -> None:
    assert set(bicep_trees) >= EXPECTED_FILES


def test_main_is_resource_group_scoped(bicep_trees: Trees) -> None:
    """`az deployment group create` and azd's resource-group deployments both need targetScope resourceGroup."""
    assert bicep_trees["main.bicep"]["globals"]["scope"]["value"] == "resourceGroup"


def test_modules_resolve_and_get_their_parameters(bicep_trees: Trees) -> None:
    """What the Bicep compiler would check: module files exist, params passed are declared, required ones passed."""
    checked = 0
    for file, tree in bicep_trees.items():
        for symbol, module in tree.get("modules", {}).items():
            assert module["type"] == "local", (
                f"{file}: module {symbol} is not a local file (registry modules need network)"
            )
            target = (Path(file).parent / module["detail"]["path"]).as_posix()
            assert target in bicep_trees, f"{file}: module {symbol} points at missing {target}"
            declared = bicep_trees[target].get("parameters", {})
            passed = set(body(module).get("params", {}))
            required = {name for name, p in declared.items() if p.get("default") is None}
            assert passed <= set(declared), f"{file}: {symbol} passes undeclared {sorted(passed - set(declared))}"
            assert required <= passed, f"{file}: {symbol} misses required {sorted(required - passed)}"
            checked += 1
    assert checked >= 6


def test_module_outputs_used_exist(bicep_trees: Trees) -> None:
    for file, tree in bicep_trees.items():
        modules = {
            symbol: (Path(file).parent / m["detail"]["path"]).as_posix()
            for symbol, m in tree.get("modules", {}).items()
        }
        text = (INFRA_DIR / file).read_text()
        for symbol, output in re.findall(r"\b(\w+)\.outputs\.(\w+)", text):
            assert symbol in modules, f"{file}: {symbol}.outputs.{output} names no module"
            assert output in bicep_trees[modules[symbol]].get("outputs", {}), (
                f"{file}: {modules[symbol]} has no output {output}"
            )


def test_abbreviations_used_exist() -> None:
    abbreviations = json.loads(ABBREVIATIONS_FILE.read_text())
    used = set(re.findall(r"\babbrs\.(\w+)", (INFRA_DIR / "main.bicep").read_text()))
    assert used, "main.bicep uses no abbreviation"
    assert used <= set(abbreviations), f"missing from abbreviations.json: {sorted(used - set(abbreviations))}"


def test_no_key_based_access_anywhere() -> None:
    """No listKeys(), no account keys, no connection strings with a key, in any template."""
    for path in bicep_files():
        text = path.read_text()
        for needle in ("listKeys(", "AccountKey=", "SharedAccessKey", "listConnectionStrings("):
            assert needle not in text, f"{rel(path)} contains {needle}"


# --- Function app ---------------------------------------------------------------------------------------------------


def test_plan_is_flex_consumption_linux(bicep_trees: Trees) -> None:
    plan = only_resource(bicep_trees, "Microsoft.Web/serverfarms")
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan["properties"]["reserved"] is True


def test_site_security_baseline(bicep_trees: Trees) -> None:
    site = _site(bicep_trees)
    props = site["properties"]
    assert "linux" in site["kind"] and "functionapp" in site["kind"]
    assert props["httpsOnly"] is True
    config = props["siteConfig"]
    assert config["minTlsVersion"] == "1.2"
    assert config["scmMinTlsVersion"] == "1.2"
    assert config["ftpsState"] == "Disabled"
    assert config["http20Enabled"] is True


def test_site_uses_one_user_assigned_identity_everywhere(bicep_trees: Trees) -> None:
    site = _site(bicep_trees)
    props = site["properties"]
    assert site["identity"]["type"] == "UserAssigned"
    identity_ref = props["keyVaultReferenceIdentity"]
    assert "keyVaultReferenceIdentity" not in props["siteConfig"], "keyVaultReferenceIdentity belongs to the site"
    assert list(site["identity"]["userAssignedIdentities"]) == [f"'${{{identity_ref}}}'"]
    authentication = props["functionAppConfig"]["deployment"]["storage"]["authentication"]
    assert authentication == {"type": "UserAssignedIdentity", "userAssignedIdentityResourceId": identity_ref}


def test_site_flex_runtime_and_durable_always_ready(bicep_trees: Trees) -> None:
    api = bicep_trees["app/api.bicep"]
    app_config = _site(bicep_trees)["properties"]["functionAppConfig"]
    runtime = app_config["runtime"]
    assert runtime["name"] == "python"
    allowed = decorators(api["parameters"][runtime["version"]])["allowed"]
    assert set(allowed) <= {"3.11", "3.12"}
    assert app_config["deployment"]["storage"]["type"] == "blobContainer"


@pytest.mark.parametrize(
    ("group", "param"), [("http", "httpAlwaysReadyInstances"), ("durable", "durableAlwaysReadyInstances")]
)
def test_always_ready_for_the_http_and_durable_groups(group: str, param: str, bicep_trees: Trees) -> None:
    """Flex Consumption scales the http and durable groups apart: each needs its own always-ready entry (default 1)."""
    scale = _site(bicep_trees)["properties"]["functionAppConfig"]["scaleAndConcurrency"]
    entries = [n for n in walk(scale) if isinstance(n, dict) and "instanceCount" in n]
    assert sorted(n["name"] for n in entries) == ["durable", "http"]
    assert [n["instanceCount"] for n in entries if n["name"] == group] == [param]
    # The entry is dropped (not sent with 0) when its count is 0: its guard is "<param> > 0".
    guards = [
        n["operator"]["operands"]
        for n in walk(scale)
        if isinstance(n, dict) and n.get("operator", {}).get("type") == "conditional"
    ]
    (guard,) = [g for g in guards if g["true_value"] and g["true_value"][0]["name"] == group]
    assert guard["condition"]["operator"] == {"type": "greater_than", "operands": {"operand_1": param, "operand_2": 0}}
    assert guard["false_value"] == []
    for file in ("main.bicep", "app/api.bicep"):
        declared = bicep_trees[file]["parameters"][param]
        assert declared["type"] == "int" and declared["default"] == 1, file
        assert decorators(declared)["min_value"] == 0, file
        assert decorators(declared)["description"], file
    assert body(bicep_trees["main.bicep"]["modules"]["api"])["params"][param] == param


# What Microsoft documents for Flex Consumption ("512 MB, 2,048 MB, and 4,096 MB"; flex-consumption-plan.md).
DOCUMENTED_INSTANCE_MEMORY_MB = {512, 2048, 4096}


def test_instances_are_the_smallest_documented_size_unless_a_team_chooses_more(bicep_trees: Trees) -> None:
    """An idle team pays its always-ready instances' memory around the clock (docs/deploy.md): 512 MB by default."""
    scale = _site(bicep_trees)["properties"]["functionAppConfig"]["scaleAndConcurrency"]
    assert scale["instanceMemoryMB"] == "instanceMemoryMB"
    for file in ("main.bicep", "app/api.bicep"):
        declared = bicep_trees[file]["parameters"]["instanceMemoryMB"]
        assert declared["type"] == "int" and declared["default"] == 512, file
        assert set(decorators(declared)["allowed"]) == DOCUMENTED_INSTANCE_MEMORY_MB, file
        assert decorators(declared)["description"], file
    assert body(bicep_trees["main.bicep"]["modules"]["api"])["params"]["instanceMemoryMB"] == "instanceMemoryMB"


def test_site_is_tagged_for_azd(bicep_trees: Trees) -> None:
    tags = _site(bicep_trees)["tags"]
    found = [n for n in walk(tags) if isinstance(n, dict) and n.get("'azd-service-name'", n.get("azd-service-name"))]
    assert found, "the site needs the tag azd-service-name: api"
    assert found[0].get("'azd-service-name'", found[0].get("azd-service-name")) == "api"


def test_basic_publishing_credentials_off(bicep_trees: Trees) -> None:
    policies = {
        b["name"]: b
        for _, _, b in resources_of_type(bicep_trees, "Microsoft.Web/sites/basicPublishingCredentialsPolicies")
    }
    assert set(policies) == {"ftp", "scm"}
    for name, policy in policies.items():
        assert policy["properties"]["allow"] is False, name


def test_app_settings_cover_what_the_code_reads(bicep_trees: Trees) -> None:
    settings = _app_settings(bicep_trees)
    assert set(settings) >= REQUIRED_SETTINGS, f"missing: {sorted(REQUIRED_SETTINGS - set(settings))}"
    assert not set(settings) & FORBIDDEN_SETTINGS, f"forbidden: {sorted(set(settings) & FORBIDDEN_SETTINGS)}"


def test_submission_api_publishers_come_from_the_deployment(bicep_trees: Trees) -> None:
    """A setting a team must set goes through the deployment (azd env -> parameter -> app setting): one made by hand
    in the portal is replaced by the next provision, and the submission API would silently stop being asked."""
    assert _app_settings(bicep_trees)["SUBMISSION_API_PUBLISHERS"] == "submissionApiPublishers"  # the parameter
    parameters = json.loads((INFRA_DIR / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    assert parameters["submissionApiPublishers"] == {"value": "${SUBMISSION_API_PUBLISHERS}"}


def test_host_storage_is_identity_based(bicep_trees: Trees) -> None:
    settings = _app_settings(bicep_trees)
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    # The same user-assigned identity for the host storage, azure-identity (the CPP token) and Application Insights.
    assert settings["AzureWebJobsStorage__clientId"] == settings["AZURE_CLIENT_ID"]
    client_id = settings["AZURE_CLIENT_ID"]
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == f"ClientId=${{{client_id}}};Authorization=AAD"
    for name, value in settings.items():
        text = json.dumps(value)
        assert "AccountKey" not in text and "DefaultEndpointsProtocol" not in text, name


def test_secrets_are_key_vault_references(bicep_trees: Trees) -> None:
    settings = _app_settings(bicep_trees)
    for name in KEY_VAULT_SETTINGS:
        value = settings[name]
        assert isinstance(value, str), name
        assert value.startswith("@Microsoft.KeyVault(") and value.endswith(")"), f"{name}: {value}"
    assert len({settings[name] for name in KEY_VAULT_SETTINGS}) == len(KEY_VAULT_SETTINGS)


def test_site_base_url_output(bicep_trees: Trees) -> None:
    api = bicep_trees["app/api.bicep"]
    assert api["outputs"]["baseUrl"]["value"] == "https://${site.properties.defaultHostName}"
