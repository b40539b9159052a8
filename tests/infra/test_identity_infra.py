"""The identity paths in the parsed Bicep: the settings each path needs, and the outputs the team pastes."""

from __future__ import annotations

import json
import re
from typing import Any

from backends.http.credentials import TOKEN_EXCHANGE_AUDIENCE
from cppcancel.settings import IDENTITY_APP_FEDERATED, IDENTITY_MANAGED, IDENTITY_MODES, Settings, load_settings
from tests.infra.helpers import REPO_ROOT, body, decorators, dotted, only_resource, resources_of_type

Trees = dict[str, dict[str, Any]]


def _settings(trees: Trees) -> dict[str, Any]:
    site = only_resource(trees, "Microsoft.Web/sites")
    return {s["name"]: s["value"] for s in site["properties"]["siteConfig"]["appSettings"]}


def _conditional(value: Any) -> dict[str, Any]:
    operands: dict[str, Any] = value["operator"]["operands"]
    assert value["operator"]["type"] == "conditional"
    return operands


def test_identity_mode_parameter_offers_exactly_the_modes_the_app_reads(bicep_trees: Trees) -> None:
    for file in ("main.bicep", "app/api.bicep"):
        mode = bicep_trees[file]["parameters"]["identityMode"]
        assert tuple(decorators(mode)["allowed"]) == IDENTITY_MODES, file
    assert body(bicep_trees["main.bicep"]["modules"]["api"])["params"]["identityMode"] == "identityMode"


def test_the_default_identity_is_an_app_registration_trusting_the_managed_identity(bicep_trees: Trees) -> None:
    """Partner Center admits Microsoft Entra applications; no Microsoft source shows a managed identity added there.
    The documented path (an app registration whose federated credential trusts the user-assigned identity, no
    secret) is the default wherever a team meets it: the Bicep, the app's own default, the example settings and
    the README's settings table."""
    for file in ("main.bicep", "app/api.bicep"):
        assert bicep_trees[file]["parameters"]["identityMode"]["default"] == IDENTITY_APP_FEDERATED, file
    assert load_settings({}).identity_mode == Settings().identity_mode == IDENTITY_APP_FEDERATED
    example = json.loads((REPO_ROOT / "local.settings.example.json").read_text(encoding="utf-8"))["Values"]
    assert example["IDENTITY_MODE"] == IDENTITY_APP_FEDERATED
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    row = re.search(r"^\| `IDENTITY_MODE` \| `([a-z-]+)` \|", readme, re.MULTILINE)
    assert row and row.group(1) == IDENTITY_APP_FEDERATED, "the README's settings table names the default"
    deploy = (REPO_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert f"| `{IDENTITY_APP_FEDERATED}` (default) |" in deploy, "docs/deploy.md's identity paths name the default"
    assert '"Owner"' not in deploy and '"Contributor"' not in deploy, "no source maps Partner Center's roles"


def test_every_path_gets_its_settings(bicep_trees: Trees) -> None:
    settings = _settings(bicep_trees)
    assert settings["IDENTITY_MODE"] == "identityMode"
    # The managed identity is AZURE_CLIENT_ID on every path: path 1 uses it, path 2 takes its token as the assertion.
    assert settings["AZURE_CLIENT_ID"] == "identityClientId"
    for name, param in (
        ("IDENTITY_APP_CLIENT_ID", "appRegistrationClientId"),
        ("IDENTITY_APP_TENANT_ID", "appRegistrationTenantId"),
    ):
        choice = _conditional(settings[name])
        assert choice["condition"]["operator"]["operands"] == {
            "operand_1": "identityMode",
            "operand_2": IDENTITY_MANAGED,
        }
        assert (choice["true_value"], choice["false_value"]) == ("", param), name
    certificate = _conditional(settings["IDENTITY_APP_CERTIFICATE"])
    assert certificate["condition"]["operator"]["operands"]["operand_2"] == "app-certificate"
    assert (
        certificate["true_value"] == "@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${appCertificateName})"
    )
    assert certificate["false_value"] == ""
    assert "tenant" in json.dumps(
        body(bicep_trees["main.bicep"]["modules"]["api"])["params"]["appRegistrationTenantId"]
    )


def test_no_secret_parameter_for_any_identity_path(bicep_trees: Trees) -> None:
    """The federated path has no secret, the certificate stays in Key Vault: nothing identity-related is @secure."""
    for file, tree in bicep_trees.items():
        for name, param in tree.get("parameters", {}).items():
            if name.startswith(("identity", "appRegistration", "appCertificate")):
                assert "secure" not in decorators(param), f"{file}: {name}"


def test_outputs_name_what_partner_center_needs(bicep_trees: Trees) -> None:
    outputs = bicep_trees["main.bicep"]["outputs"]
    assert outputs["IDENTITY_MODE"]["value"] == "identityMode"
    assert outputs["PARTNER_CENTER_ROLE"]["value"] == "Manager"
    for name, app_value, managed_value in (
        ("PARTNER_CENTER_APPLICATION_ID", "appRegistrationClientId", "identity.outputs.clientId"),
        ("PARTNER_CENTER_SERVICE_PRINCIPAL_ID", "appRegistrationServicePrincipalId", "identity.outputs.principalId"),
        ("PARTNER_CENTER_APPLICATION_NAME", "appRegistrationName", "identity.outputs.name"),
    ):
        choice = _conditional(outputs[name]["value"])
        assert choice["condition"] == "usesAppRegistration", name
        assert (dotted(choice["true_value"]), dotted(choice["false_value"])) == (app_value, managed_value), name
    assert dotted(outputs["FEDERATED_CREDENTIAL_SUBJECT"]["value"]) == "identity.outputs.principalId"
    assert outputs["FEDERATED_CREDENTIAL_ISSUER"]["value"] == "federatedIssuer"
    assert outputs["FEDERATED_CREDENTIAL_AUDIENCE"]["value"] == "federatedAudience"
    uses = bicep_trees["main.bicep"]["variables"]["usesAppRegistration"]["value"]["operator"]
    assert uses == {"type": "not_equals", "operands": {"operand_1": "identityMode", "operand_2": IDENTITY_MANAGED}}
    variables = bicep_trees["main.bicep"]["variables"]
    assert variables["federatedAudience"]["value"] == TOKEN_EXCHANGE_AUDIENCE
    issuer = json.dumps(variables["federatedIssuer"]["value"])
    assert "loginEndpoint" in issuer and "tenantId" in issuer and "/v2.0" in issuer


def test_certificate_officer_only_for_the_deployer_and_only_on_the_certificate_path(bicep_trees: Trees) -> None:
    rbac = bicep_trees["app/rbac.bicep"]
    assert rbac["variables"]["keyVaultCertificatesOfficer"]["value"] == "a4417e6f-fecd-4de8-b567-7b0420556985"
    assignment = rbac["resources"]["certificatesOfficerAssignment"]
    assert "certificatesOfficer" in json.dumps(assignment["config"]["condition"])
    assert body(assignment)["properties"]["principalId"] == "secretsOfficerPrincipalId"
    certificate_params = body(bicep_trees["main.bicep"]["modules"]["rbac"])["params"]["certificatesOfficer"]
    assert "app-certificate" in json.dumps(certificate_params)
    app_roles = [
        b
        for _, _, b in resources_of_type(bicep_trees, "Microsoft.Authorization/roleAssignments")
        if b["properties"]["principalId"] == "appPrincipalId"
    ]
    assert all("keyVaultCertificatesOfficer" not in json.dumps(b) for b in app_roles)
