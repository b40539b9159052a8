"""infra/ on the parsed Bicep tree: the storage account, Key Vault and monitoring baselines, their diagnostic
settings, the roles of the app's identity and the deployment's outputs (test_bicep.py holds the parsing, the wiring
and the function app itself)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.infra.helpers import INFRA_DIR, body, decorators, only_resource, resources_of_type, walk

Trees = dict[str, dict[str, Any]]

# Built-in role definition IDs (the same in every tenant) that the app's identity needs, and where.
ROLES = {
    "Storage Blob Data Owner": ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts"),
    "Storage Queue Data Contributor": ("974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts"),
    "Storage Table Data Contributor": ("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts"),
    "Monitoring Metrics Publisher": ("3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components"),
    "Key Vault Secrets User": ("4633458b-17de-408a-b874-0445c86b69e6", "Microsoft.KeyVault/vaults"),
}


def _site(trees: Trees) -> dict[str, Any]:
    return only_resource(trees, "Microsoft.Web/sites")


# --- Storage, Key Vault, monitoring ---------------------------------------------------------------------------------


def test_storage_baseline(bicep_trees: Trees) -> None:
    storage = only_resource(bicep_trees, "Microsoft.Storage/storageAccounts")["properties"]
    assert storage["allowSharedKeyAccess"] is False
    assert storage["allowBlobPublicAccess"] is False
    assert storage["minimumTlsVersion"] == "TLS1_2"
    assert storage["supportsHttpsTrafficOnly"] is True
    assert storage["defaultToOAuthAuthentication"] is True
    container = only_resource(bicep_trees, "Microsoft.Storage/storageAccounts/blobServices/containers")
    assert container["properties"]["publicAccess"] == "None"


def test_key_vault_baseline(bicep_trees: Trees) -> None:
    vault = only_resource(bicep_trees, "Microsoft.KeyVault/vaults")["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["enablePurgeProtection"] is True
    assert vault["enableSoftDelete"] is True
    assert "accessPolicies" not in vault


def test_secret_parameters_are_secure_and_empty_by_default(bicep_trees: Trees) -> None:
    main = bicep_trees["main.bicep"]["parameters"]
    for name in ("slackSigningSecret", "slackBotToken", "webhookSecret"):
        assert "secure" in decorators(main[name]), name
        assert main[name]["default"] == "", name
    for file, tree in bicep_trees.items():
        for name, param in tree.get("parameters", {}).items():
            if "secure" in decorators(param):
                assert param.get("default") in (None, ""), f"{file}: secure parameter {name} has a default value"


def test_key_vault_secrets_written_only_when_given(bicep_trees: Trees) -> None:
    """An empty value must not overwrite a secret set later with `az keyvault secret set`."""
    tree = bicep_trees["core/security/key-vault.bicep"]
    secrets = [r for r in tree["resources"].values() if r["type"] == "Microsoft.KeyVault/vaults/secrets"]
    assert secrets
    for secret in secrets:
        condition = secret["config"].get("condition")
        assert condition is not None and "empty" in json.dumps(condition)
        assert body(secret)["properties"]["contentType"]


def test_application_insights_uses_entra_auth(bicep_trees: Trees) -> None:
    insights = only_resource(bicep_trees, "Microsoft.Insights/components")["properties"]
    assert insights["DisableLocalAuth"] is True
    assert insights["WorkspaceResourceId"]
    only_resource(bicep_trees, "Microsoft.OperationalInsights/workspaces")


def _diagnostic_targets(bicep_trees: Trees) -> list[tuple[str, str]]:
    """(file, resource type) of what each diagnostic setting is scoped to; a scope that names no resource of its own
    file (an expression, a resourceId()) fails: what it points at could not be checked."""
    targets = []
    for file, _, setting in resources_of_type(bicep_trees, "Microsoft.Insights/diagnosticSettings"):
        scope = setting.get("scope")
        resources = bicep_trees[file].get("resources", {})
        assert isinstance(scope, str) and scope in resources, f"{file}: diagnostic setting scoped to {scope!r}"
        targets.append((file, resources[scope]["type"]))
    return targets


def test_diagnostic_settings_on(bicep_trees: Trees) -> None:
    """Key Vault and storage (account and its blob, queue and table services) log to the workspace."""
    for file, _, setting in resources_of_type(bicep_trees, "Microsoft.Insights/diagnosticSettings"):
        assert setting["properties"]["workspaceId"], file
        assert setting["properties"].get("logs") or setting["properties"].get("metrics"), file
    assert {target for _, target in _diagnostic_targets(bicep_trees)} >= {
        "Microsoft.KeyVault/vaults",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.Storage/storageAccounts/blobServices",
        "Microsoft.Storage/storageAccounts/queueServices",
        "Microsoft.Storage/storageAccounts/tableServices",
    }


def test_no_diagnostic_setting_on_the_flex_function_app(bicep_trees: Trees) -> None:
    """Microsoft's Flex Consumption page: "Diagnostic settings aren't currently supported". One scoped to the site
    could make the deployment fail for every team; Application Insights carries the app's logs instead."""
    on_sites = [file for file, target in _diagnostic_targets(bicep_trees) if target.lower() == "microsoft.web/sites"]
    assert on_sites == [], f"diagnostic settings scoped to the Flex Consumption function app in {on_sites}"


# --- Role assignments -----------------------------------------------------------------------------------------------


def _role_assignments(bicep_trees: Trees) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(role definition GUID, scope resource type, file, body) of every role assignment."""
    found = []
    for file, _, assignment in resources_of_type(bicep_trees, "Microsoft.Authorization/roleAssignments"):
        tree = bicep_trees[file]
        role_ref = assignment["properties"]["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]
        guid = tree["variables"][role_ref]["value"]
        scope_type = tree["resources"][assignment["scope"]]["type"]
        found.append((guid, scope_type, file, assignment))
    return found


@pytest.mark.parametrize("role", sorted(ROLES))
def test_app_identity_has_role(role: str, bicep_trees: Trees) -> None:
    guid, scope_type = ROLES[role]
    matches = [a for g, t, _, a in _role_assignments(bicep_trees) if g == guid and t == scope_type]
    assert len(matches) == 1, f"{role} ({guid}) on {scope_type}: {len(matches)} assignments"
    assignment = matches[0]
    assert assignment["properties"]["principalType"] == "ServicePrincipal"
    assert assignment["name"]["function"]["type"] == "guid"


def test_role_guids_are_named_in_comments() -> None:
    lines = (INFRA_DIR / "app" / "rbac.bicep").read_text().splitlines()
    for role, (guid, _) in ROLES.items():
        index = next(i for i, line in enumerate(lines) if guid in line)
        assert lines[index - 1].startswith("//") and role in lines[index - 1], f"{guid} needs a comment naming {role}"


# --- Outputs --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "path"),
    [
        ("SLACK_COMMAND_URL", "/api/slack/commands"),
        ("SLACK_INTERACTIVITY_URL", "/api/slack/interactions"),
        ("WEBHOOK_URL", "/api/webhooks/cancel"),
        ("WEBHOOK_OPERATIONS_URL", "/api/webhooks/operations/{instanceId}"),
    ],
)
def test_url_outputs(output: str, path: str, bicep_trees: Trees) -> None:
    outputs = bicep_trees["main.bicep"]["outputs"]
    assert outputs[output]["value"] == "${api.outputs.baseUrl}" + path
    base_url = json.dumps(outputs["FUNCTION_APP_BASE_URL"]["value"])
    assert '"api"' in base_url and '"outputs"' in base_url and '"baseUrl"' in base_url


def test_outputs_carry_no_secret(bicep_trees: Trees) -> None:
    for file, tree in bicep_trees.items():
        secure = {n for n, p in tree.get("parameters", {}).items() if "secure" in decorators(p)}
        for name, output in tree.get("outputs", {}).items():
            values = {str(n) for n in walk(output["value"]) if not isinstance(n, dict | list)}
            text = json.dumps(output["value"])
            assert "listKeys" not in text, f"{file}: output {name}"
            used = {s for s in secure for v in values if re.search(rf"\b{s}\b", v)}
            assert not used, f"{file}: output {name} uses secure parameters {sorted(used)}"
