"""The one Azure AD credential of the app, chosen by IDENTITY_MODE and shared by every audience it calls.

Three paths, all through azure-identity (see docs/deploy.md, "Register the identity"). Partner Center admits
Microsoft Entra *applications* (Account settings > User management > Microsoft Entra applications); no Microsoft
source shows a managed identity added there, so an app registration is the default:

- `app-federated` (the default): an app registration whose federated identity credential trusts the function app's
  user-assigned managed identity (`AZURE_CLIENT_ID`). No secret anywhere: the managed identity's token for
  `api://AzureADTokenExchange` is the client assertion (Microsoft Entra "Configure an application to trust a managed
  identity").
- `app-certificate`: an app registration with a certificate kept in the team's Key Vault; the app setting
  `IDENTITY_APP_CERTIFICATE` is a Key Vault reference to the certificate's secret (base64 PKCS#12 or PEM).
- `managed-identity`: the user-assigned managed identity itself, for a team whose Partner Center lists it (not shown
  by Microsoft's documents). With no AZURE_CLIENT_ID (a developer's machine) `DefaultAzureCredential` is used instead.

A local run against the emulators needs none of them: a fixed token (CPP_ACCESS_TOKEN, INGESTION_ACCESS_TOKEN) is
used before any identity is asked (`backends.http.tokens`).

The credential is built once per settings object and serves any scope: the Cloud Partner Portal
(`https://cloudpartner.azure.com/.default`) and Microsoft Graph (`https://graph.microsoft.com/.default`, for the
Product Ingestion API). azure-identity caches each scope's token inside it. azure-identity itself is imported only
when the credential is first built, never by importing this module (cold start).
"""

from __future__ import annotations

import base64
import binascii
import functools
from typing import TYPE_CHECKING, Any

from cppcancel.settings import IDENTITY_APP_CERTIFICATE, IDENTITY_APP_FEDERATED, IDENTITY_MANAGED, Settings

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

#: The scope of the managed-identity token that an app registration's federated credential accepts as its client
#: assertion, in Microsoft Entra ID's global service (the audience `api://AzureADTokenExchange`).
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"  # noqa: S105 - an audience, not a secret
TOKEN_EXCHANGE_SCOPE = f"{TOKEN_EXCHANGE_AUDIENCE}/.default"


class IdentityConfigurationError(ValueError):
    """The chosen identity path lacks something it needs; the message names the setting."""


class ManagedIdentityAssertion:
    """The client assertion of the federated path: a fresh-enough managed-identity token for the exchange audience.

    azure-identity's `ClientAssertionCredential` calls it whenever it needs a new app token; the managed-identity
    credential caches its own token, so the identity endpoint is asked again only when that token nears expiry.
    """

    def __init__(self, managed_identity: TokenCredential) -> None:
        self._managed_identity = managed_identity

    def __call__(self) -> str:
        return self._managed_identity.get_token(TOKEN_EXCHANGE_SCOPE).token

    def __repr__(self) -> str:
        return f"ManagedIdentityAssertion(scope={TOKEN_EXCHANGE_SCOPE!r})"


def describe_identity(settings: Settings) -> str:
    """Which identity asks for tokens, in words for an error message or the log (IDs only, never a secret)."""
    if settings.identity_mode == IDENTITY_APP_FEDERATED:
        return (
            f"the app registration {settings.identity_app_client_id} (IDENTITY_APP_CLIENT_ID) through its federated "
            f"credential trusting the managed identity {settings.azure_client_id} (AZURE_CLIENT_ID)"
        )
    if settings.identity_mode == IDENTITY_APP_CERTIFICATE:
        return (
            f"the app registration {settings.identity_app_client_id} (IDENTITY_APP_CLIENT_ID) with the certificate "
            "in IDENTITY_APP_CERTIFICATE"
        )
    if settings.azure_client_id:
        return f"the user-assigned managed identity {settings.azure_client_id} (AZURE_CLIENT_ID)"
    return "DefaultAzureCredential (no AZURE_CLIENT_ID set: environment, managed identity or a developer login)"


def certificate_bytes(value: str) -> bytes:
    """The certificate with its private key, as CertificateCredential wants it, from the Key Vault secret's value.

    Key Vault returns a certificate's secret as PEM text (content type application/x-pem-file) or as base64 of the
    PKCS#12 file (application/x-pkcs12, the default policy).
    """
    text = value.strip()
    if "-----BEGIN" in text:
        return text.encode("ascii")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise IdentityConfigurationError(
            "IDENTITY_APP_CERTIFICATE is neither PEM nor base64 PKCS#12 (expected a Key Vault reference to the "
            "certificate's secret)"
        ) from None


def build_credential(settings: Settings, **options: Any) -> TokenCredential:
    """A new credential for the identity path the settings choose.

    `options` go to the outermost azure-identity credential unchanged (for example `disable_instance_discovery`);
    the app passes none.
    """
    if settings.identity_mode == IDENTITY_APP_FEDERATED:
        return _federated_app(settings, **options)
    if settings.identity_mode == IDENTITY_APP_CERTIFICATE:
        return _certificate_app(settings, **options)
    if settings.identity_mode != IDENTITY_MANAGED:
        raise IdentityConfigurationError(f"unknown IDENTITY_MODE {settings.identity_mode!r}")
    return _managed_identity(settings, **options)


def credential_from_settings(settings: Settings) -> TokenCredential:
    """The credential for these settings, built on first use and then shared by every scope and every caller.

    Keyed on the identity settings alone, so that settings objects differing only in, say, timeouts (the quick
    interactive copies) share one credential and its token cache.
    """
    return _shared_credential(_identity_only(settings))


def clear_credential_cache() -> None:
    """For tests and the dev host: forget the shared credentials (their stand-in endpoints have gone)."""
    _shared_credential.cache_clear()


def _identity_only(settings: Settings) -> Settings:
    return Settings(
        identity_mode=settings.identity_mode,
        azure_client_id=settings.azure_client_id,
        identity_app_client_id=settings.identity_app_client_id,
        identity_app_tenant_id=settings.identity_app_tenant_id,
        identity_app_certificate=settings.identity_app_certificate,
    )


@functools.cache
def _shared_credential(identity: Settings) -> TokenCredential:
    return build_credential(identity)


def _managed_identity(settings: Settings, **options: Any) -> TokenCredential:
    if settings.azure_client_id:
        from azure.identity import ManagedIdentityCredential  # heavy: imported on first use only

        return ManagedIdentityCredential(client_id=settings.azure_client_id, **options)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(**options)


def _app_ids(settings: Settings) -> tuple[str, str]:
    tenant_id, client_id = settings.identity_app_tenant_id, settings.identity_app_client_id
    if not tenant_id or not client_id:
        raise IdentityConfigurationError(
            f"IDENTITY_MODE={settings.identity_mode} needs IDENTITY_APP_CLIENT_ID and IDENTITY_APP_TENANT_ID, the app "
            "registration's Application (client) ID and Directory (tenant) ID (docs/deploy.md, step 5; on a "
            "developer's machine, set CPP_ACCESS_TOKEN instead)"
        )
    return tenant_id, client_id


def _federated_app(settings: Settings, **options: Any) -> TokenCredential:
    tenant_id, client_id = _app_ids(settings)
    if not settings.azure_client_id:
        raise IdentityConfigurationError(
            "IDENTITY_MODE=app-federated needs AZURE_CLIENT_ID: the user-assigned managed identity whose token the "
            "app registration's federated credential trusts (system-assigned identities cannot be used)"
        )
    from azure.identity import ClientAssertionCredential, ManagedIdentityCredential

    managed_identity = ManagedIdentityCredential(client_id=settings.azure_client_id)
    return ClientAssertionCredential(tenant_id, client_id, ManagedIdentityAssertion(managed_identity), **options)


def _certificate_app(settings: Settings, **options: Any) -> TokenCredential:
    tenant_id, client_id = _app_ids(settings)
    if not settings.identity_app_certificate:
        raise IdentityConfigurationError(
            "IDENTITY_MODE=app-certificate needs IDENTITY_APP_CERTIFICATE: it is empty or an unresolved Key Vault "
            "reference (is the certificate in the vault, and may the managed identity read its secret?)"
        )
    data = certificate_bytes(settings.identity_app_certificate)
    from azure.identity import CertificateCredential

    return CertificateCredential(tenant_id, client_id, certificate_data=data, **options)
