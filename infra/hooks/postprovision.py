#!/usr/bin/env python3
"""azd's postprovision hook: the Slack manifest with this deployment's URLs, the Microsoft Teams app package for its
bot, and what to enter in Partner Center.

It runs offline and reads nothing but the deployment's outputs: azd hands them to hooks as environment variables;
without azd, `--outputs FILE` reads the JSON of `az deployment group show ... --query properties.outputs`. The Slack
manifest template is `slack_app/manifest.yaml`; the Teams package (manifest.json and two icons, zipped) is built by
`teams_package.py` beside this file. Standard library only, so that it runs with any Python 3.

    python3 infra/hooks/postprovision.py                      # as azure.yaml runs it
    python3 infra/hooks/postprovision.py --outputs outputs.json --env-name team-a
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import teams_package  # beside this script (its directory is sys.path[0] when run as a script)

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST_TEMPLATE = REPO_ROOT / "slack_app" / "manifest.yaml"
MANIFEST_PLACEHOLDER = "https://FUNCTION_APP_HOST"

# The role Microsoft's Product Ingestion API page requires of the Entra application (Partner Center > Account settings >
# User management). No source maps Partner Center's roles onto the legacy Cloud Partner Portal's: none is claimed here.
ROLE_NOTE = "(the Product Ingestion API requires Manager)"
DEFAULT_MODE = "app-federated"  # main.bicep's identityMode default, and the app's (cppcancel/settings.py)
PARTNER_CENTER_SCREEN = (
    "Partner Center > Settings (gear icon) > Account settings > User management > Microsoft Entra applications tab > "
    "select the application > Add selected > Roles > Save"
)


def outputs_from_file(path: Path) -> dict[str, str]:
    """`{"NAME": {"type": ..., "value": ...}}` (ARM's outputs) or `{"NAME": "value"}`, names upper-cased.

    ARM treats output names case-insensitively and does not always return them as declared.
    """
    raw = json.loads(path.read_text(encoding="utf-8"))
    values = {}
    for name, entry in raw.items():
        value = entry.get("value", "") if isinstance(entry, dict) else entry
        values[name.upper()] = "" if value is None else str(value)
    return values


def render_manifest(template: str, base_url: str) -> str:
    if not base_url.startswith("https://"):
        raise ValueError(f"FUNCTION_APP_BASE_URL must be an https:// URL, got {base_url!r}")
    return template.replace(MANIFEST_PLACEHOLDER, base_url.rstrip("/"))


def _value(outputs: Mapping[str, str], name: str, missing: str = "(not set)") -> str:
    return outputs.get(name, "").strip() or missing


def _partner_center(outputs: Mapping[str, str], what: str) -> list[str]:
    app_id = _value(outputs, "PARTNER_CENTER_APPLICATION_ID")
    object_id = outputs.get("PARTNER_CENTER_SERVICE_PRINCIPAL_ID", "").strip() or (
        f'(not given: az ad sp show --id "{app_id}" --query id -o tsv)'
    )
    return [
        "Enter in Partner Center (Cloud Partner Portal prerequisites: the application and its service principal):",
        f"  Application:                    {_value(outputs, 'PARTNER_CENTER_APPLICATION_NAME')} ({what})",
        f"  Application (client) ID:        {app_id}",
        f'  Object ID (service principal, "Managed application in local directory"): {object_id}',
        f"  Directory (tenant) ID:          {_value(outputs, 'AZURE_TENANT_ID')}",
        f"  Role:                           {_value(outputs, 'PARTNER_CENTER_ROLE', 'Manager')} {ROLE_NOTE}",
        f"  Where:                          {PARTNER_CENTER_SCREEN}",
    ]


def _federated_credential(outputs: Mapping[str, str]) -> dict[str, object]:
    return {
        "name": "cppcancel-function-app",
        "issuer": _value(outputs, "FEDERATED_CREDENTIAL_ISSUER"),
        "subject": _value(outputs, "FEDERATED_CREDENTIAL_SUBJECT"),
        "description": "The cppcancel function app's user-assigned managed identity",
        "audiences": [_value(outputs, "FEDERATED_CREDENTIAL_AUDIENCE")],
    }


def _set_app_and_provision(name: str) -> list[str]:
    return [
        '  azd env set IDENTITY_APP_CLIENT_ID "$APP_ID"',
        '  azd env set IDENTITY_APP_SERVICE_PRINCIPAL_ID "$SP_ID"',
        f"  azd env set IDENTITY_APP_NAME {name}",
        "  azd provision",
    ]


def _managed_identity_lines(outputs: Mapping[str, str]) -> list[str]:
    return [
        "Not shown by Microsoft's documents: Partner Center admits Microsoft Entra applications, and no source shows a",
        "managed identity added there. Try it only if your Partner Center lists the identity; otherwise go back to the",
        "default, IDENTITY_MODE=app-federated (docs/deploy.md, step 5): an app registration trusting this identity.",
        *_partner_center(outputs, "the function app's user-assigned managed identity"),
    ]


def _federated_lines(outputs: Mapping[str, str], env_name: str) -> list[str]:
    credential = json.dumps(_federated_credential(outputs))
    if not outputs.get("PARTNER_CENTER_APPLICATION_ID", "").strip():
        name = f"cppcancel-{env_name}"
        return [
            "IDENTITY_MODE=app-federated, but there is no app registration yet (IDENTITY_APP_CLIENT_ID is empty).",
            "Create it (Microsoft Entra role Application Developer or higher), trusting the managed identity:",
            f"  APP_ID=$(az ad app create --display-name {name} --sign-in-audience AzureADMyOrg --query appId -o tsv)",
            '  SP_ID=$(az ad sp create --id "$APP_ID" --query id -o tsv)',
            f"  az ad app federated-credential create --id \"$APP_ID\" --parameters '{credential}'",
            *_set_app_and_provision(name),
            f"Then add the app registration {name} in Partner Center, role Manager {ROLE_NOTE}:",
            f"  {PARTNER_CENTER_SCREEN}",
            "(azd provision runs this hook again and prints its IDs to check against.)",
        ]
    return [
        *_partner_center(outputs, "app registration; its federated credential trusts the managed identity"),
        "The app registration's federated credential (Entra admin center > App registrations > the app >",
        "Certificates & secrets > Federated credentials; scenario Managed Identity) must say exactly:",
        f"  {credential}",
    ]


def _certificate_lines(outputs: Mapping[str, str], env_name: str) -> list[str]:
    vault = _value(outputs, "AZURE_KEY_VAULT_NAME")
    certificate = _value(outputs, "AZURE_KEY_VAULT_CERTIFICATE_NAME")
    if not outputs.get("PARTNER_CENTER_APPLICATION_ID", "").strip():
        name = f"cppcancel-{env_name}"
        return [
            "IDENTITY_MODE=app-certificate, but there is no app registration yet (IDENTITY_APP_CLIENT_ID is empty).",
            "Create it with its certificate in the team's Key Vault (needs Key Vault Certificates Officer on the",
            "vault, granted to AZURE_PRINCIPAL_ID on this path, and Application Developer or higher in Entra ID):",
            f"  APP_ID=$(az ad sp create-for-rbac --name {name} --create-cert --cert {certificate} "
            f"--keyvault {vault} --query appId -o tsv)",
            '  SP_ID=$(az ad sp show --id "$APP_ID" --query id -o tsv)',
            *_set_app_and_provision(name),
        ]
    return [
        *_partner_center(outputs, f"app registration with the certificate {certificate} in Key Vault {vault}"),
        f"The app reads the certificate through a Key Vault reference to the secret {certificate}. Before it expires",
        f"(az keyvault certificate show --vault-name {vault} -n {certificate} --query attributes.expires), renew it:",
        f'  az ad app credential reset --id "{_value(outputs, "PARTNER_CENTER_APPLICATION_ID")}" --create-cert '
        f"--cert {certificate} --keyvault {vault} --append",
    ]


def identity_lines(outputs: Mapping[str, str], env_name: str = "team") -> list[str]:
    """What the team enters in Partner Center for the identity path in use, from the deployment's outputs."""
    mode = _value(outputs, "IDENTITY_MODE", DEFAULT_MODE)
    header = f"Identity for the Partner Portal and Microsoft Graph: IDENTITY_MODE={mode}"
    if mode == "app-federated":
        return [header, *_federated_lines(outputs, env_name)]
    if mode == "app-certificate":
        return [header, *_certificate_lines(outputs, env_name)]
    if mode == "managed-identity":
        return [header, *_managed_identity_lines(outputs)]
    return [header, f"Unknown IDENTITY_MODE {mode!r}: expected app-federated, app-certificate or managed-identity."]


def teams_lines(outputs: Mapping[str, str], target_dir: Path, base_url: str, env_name: str) -> list[str]:
    """Write the Teams app package when the deployment has a bot, and say where it is and what to do with it."""
    bot_id = outputs.get("TEAMS_BOT_ID", "").strip()
    if not bot_id:
        return ["Microsoft Teams: no bot in this deployment (teamsBotEnabled=false), so no Teams app package."]
    target = target_dir / "teams-app.zip"
    target.write_bytes(teams_package.package(bot_id, base_url, env_name))
    return [
        f"Teams app package for this deployment: {target}",
        f"  Bot ID:             {bot_id}",
        f"  Messaging endpoint: {_value(outputs, 'TEAMS_MESSAGING_ENDPOINT')}",
        "  Upload it in Teams (Apps > Manage your apps > Upload an app) or have your Teams admin publish it:",
        "  docs/deploy.md, step 6.",
    ]


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--outputs", type=Path, help="JSON of the deployment's outputs (default: the environment)")
    parser.add_argument("--env-name", help="azd environment name (default: AZURE_ENV_NAME)")
    parser.add_argument(
        "--manifest-dir", type=Path, help="where slack-manifest.yaml and teams-app.zip go (default: .azure/<env>)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    args = _parse(argv)
    outputs = outputs_from_file(args.outputs) if args.outputs else {k.upper(): v for k, v in environ.items()}
    env_name = args.env_name or environ.get("AZURE_ENV_NAME", "")  # azd's own variable, not an output
    if not env_name and not args.manifest_dir:
        print("AZURE_ENV_NAME is not set (or pass --env-name / --manifest-dir).", file=sys.stderr)
        return 2
    base_url = _value(outputs, "FUNCTION_APP_BASE_URL", "")
    try:
        manifest = render_manifest(MANIFEST_TEMPLATE.read_text(encoding="utf-8"), base_url)
    except ValueError as exc:
        print(f"Cannot write the Slack manifest: {exc}", file=sys.stderr)
        return 2
    target_dir = args.manifest_dir or Path(".azure") / env_name
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / "slack-manifest.yaml"
    target.write_text(manifest, encoding="utf-8")
    lines = [
        f"Slack app manifest for this deployment: {target}",
        f"Slash command URL: {_value(outputs, 'SLACK_COMMAND_URL')}",
        f"Interactivity URL: {_value(outputs, 'SLACK_INTERACTIVITY_URL')}",
        f"Webhook URL:       {_value(outputs, 'WEBHOOK_URL')}",
        "",
        *teams_lines(outputs, target_dir, base_url, env_name or "team"),
        "",
        *identity_lines(outputs, env_name or "team"),
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
