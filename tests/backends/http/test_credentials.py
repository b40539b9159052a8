"""The three identity paths through real azure-identity, against loopback stand-ins of the outside edge (no network).

The managed identity is reached the way Functions offers it (IDENTITY_ENDPOINT / IDENTITY_HEADER); Entra's token
endpoint is a TLS server the credential is pointed at with azure-identity's own AZURE_AUTHORITY_HOST, trusted through
REQUESTS_CA_BUNDLE. Only the certificate path needs one option the app never passes (`disable_instance_discovery`:
MSAL would otherwise ask login.microsoftonline.com about the unknown loopback authority).
"""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from backends.cpp.client import token_provider_from_settings
from backends.http import credentials
from backends.http.credentials import (
    TOKEN_EXCHANGE_SCOPE,
    IdentityConfigurationError,
    ManagedIdentityAssertion,
    build_credential,
    certificate_bytes,
    clear_credential_cache,
    credential_from_settings,
)
from backends.http.errors import TokenUnavailable
from backends.http.tokens import AzureIdentityTokenProvider, azure_token_provider
from cppcancel.settings import Settings, SettingsError, load_settings
from tests.backends.http.entra_standins import (
    JWT_BEARER,
    AppRegistration,
    EntraTokenEndpoint,
    FederatedCredential,
    ManagedIdentityEndpoint,
    decode_managed_identity_token,
    self_signed,
)

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
UAMI_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
UAMI_PRINCIPAL_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
APP_CLIENT_ID = "99999999-8888-7777-6666-555555555555"
CPP = "https://cloudpartner.azure.com/.default"
GRAPH = "https://graph.microsoft.com/.default"
HEADER_SECRET = "identity-header-stand-in"
# Variables that would send azure-identity / MSAL down another path than the App Service identity endpoint.
_OTHER_IDENTITY_VARIABLES = (
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Credentials are cached per settings; a test's stand-ins live on fresh ports, so start and end clean."""
    clear_credential_cache()
    azure_token_provider.cache_clear()
    token_provider_from_settings.cache_clear()
    yield
    clear_credential_cache()
    azure_token_provider.cache_clear()
    token_provider_from_settings.cache_clear()


@pytest.fixture
def identity_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[ManagedIdentityEndpoint]:
    server = ManagedIdentityEndpoint(
        tenant_id=TENANT, client_id=UAMI_CLIENT_ID, principal_id=UAMI_PRINCIPAL_ID, header_secret=HEADER_SECRET
    )
    for name in _OTHER_IDENTITY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDENTITY_ENDPOINT", server.url)
    monkeypatch.setenv("IDENTITY_HEADER", HEADER_SECRET)
    yield server
    server.close()


@pytest.fixture
def entra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EntraTokenEndpoint]:
    server = EntraTokenEndpoint(TENANT, tmp_path)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", server.authority)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    yield server
    server.close()


def managed_identity_settings() -> Settings:
    return load_settings({"AZURE_CLIENT_ID": UAMI_CLIENT_ID, "IDENTITY_MODE": "managed-identity"})


def federated_settings(**extra: str) -> Settings:
    return load_settings(
        {
            "IDENTITY_MODE": "app-federated",
            "IDENTITY_APP_CLIENT_ID": APP_CLIENT_ID,
            "IDENTITY_APP_TENANT_ID": TENANT,
            "AZURE_CLIENT_ID": UAMI_CLIENT_ID,
            **extra,
        }
    )


def trusting_app(subject: str = UAMI_PRINCIPAL_ID) -> AppRegistration:
    """The app registration as docs/deploy.md creates it: a federated credential naming the identity's object ID."""
    issuer = f"https://login.microsoftonline.com/{TENANT}/v2.0"
    return AppRegistration(APP_CLIENT_ID, federated=[FederatedCredential(issuer=issuer, subject=subject)])


# --- Path 1: the user-assigned managed identity ---------------------------------------------------------------------


def test_managed_identity_token_from_the_app_service_endpoint(identity_endpoint: ManagedIdentityEndpoint) -> None:
    settings = managed_identity_settings()
    provider = token_provider_from_settings(settings)
    token = provider.get_token()
    assert decode_managed_identity_token(token)["aud"] == "https://cloudpartner.azure.com"
    assert provider.get_token() == token
    (request,) = identity_endpoint.requests
    assert request.method == "GET"
    assert request.headers["X-IDENTITY-HEADER"] == HEADER_SECRET
    assert request.query == {
        "api-version": "2019-08-01",
        "resource": "https://cloudpartner.azure.com",
        "client_id": UAMI_CLIENT_ID,
    }


def test_managed_identity_serves_graph_with_the_same_credential(identity_endpoint: ManagedIdentityEndpoint) -> None:
    settings = managed_identity_settings()
    cpp = token_provider_from_settings(settings)
    graph = azure_token_provider(settings, GRAPH)
    assert decode_managed_identity_token(graph.get_token())["aud"] == "https://graph.microsoft.com"
    assert decode_managed_identity_token(cpp.get_token())["aud"] == "https://cloudpartner.azure.com"
    assert isinstance(cpp, AzureIdentityTokenProvider)
    assert cpp._credential is graph._credential is credential_from_settings(settings)
    assert [r.query["resource"] for r in identity_endpoint.requests] == [
        "https://graph.microsoft.com",
        "https://cloudpartner.azure.com",
    ]


def test_managed_identity_refusal_becomes_token_unavailable(identity_endpoint: ManagedIdentityEndpoint) -> None:
    identity_endpoint.header_secret = "something-else"  # the platform rotated it; ours is stale
    provider = token_provider_from_settings(managed_identity_settings())
    with pytest.raises(TokenUnavailable) as info:
        provider.get_token()
    text = info.value.describe()
    assert UAMI_CLIENT_ID in text and "IDENTITY_MODE" in text
    assert HEADER_SECRET not in text


# --- Path 2: app registration + federated credential trusting the managed identity --------------------------------


def test_assertion_is_the_managed_identity_token_for_the_exchange_audience(
    identity_endpoint: ManagedIdentityEndpoint,
) -> None:
    from azure.identity import ManagedIdentityCredential

    assertion = ManagedIdentityAssertion(ManagedIdentityCredential(client_id=UAMI_CLIENT_ID))
    claims = decode_managed_identity_token(assertion())
    assert claims["aud"] == "api://AzureADTokenExchange"
    assert claims["sub"] == UAMI_PRINCIPAL_ID
    assert claims["iss"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert TOKEN_EXCHANGE_SCOPE == "api://AzureADTokenExchange/.default"
    (request,) = identity_endpoint.requests
    assert request.query["resource"] == "api://AzureADTokenExchange"
    assert request.query["client_id"] == UAMI_CLIENT_ID


def test_federated_path_makes_the_two_documented_requests(
    identity_endpoint: ManagedIdentityEndpoint, entra: EntraTokenEndpoint
) -> None:
    entra.apps[APP_CLIENT_ID] = trusting_app()
    provider = token_provider_from_settings(federated_settings())
    assert provider.get_token() == f"app-token-1-{CPP}"
    (mi_request,) = identity_endpoint.requests
    assert mi_request.query["resource"] == "api://AzureADTokenExchange"
    assert mi_request.query["client_id"] == UAMI_CLIENT_ID
    (exchange,) = entra.token_requests()
    assert exchange.path == f"/{TENANT}/oauth2/v2.0/token"
    assert exchange.form["grant_type"] == "client_credentials"
    assert exchange.form["client_id"] == APP_CLIENT_ID
    assert exchange.form["client_assertion_type"] == JWT_BEARER
    assert exchange.form["client_assertion"] == identity_endpoint.issued[0]
    assert exchange.form["scope"] == CPP
    assert "client_secret" not in exchange.form


def test_federated_tokens_are_cached_per_scope_and_the_assertion_is_reused(
    identity_endpoint: ManagedIdentityEndpoint, entra: EntraTokenEndpoint
) -> None:
    entra.apps[APP_CLIENT_ID] = trusting_app()
    settings = federated_settings()
    credential = credential_from_settings(settings)
    first = credential.get_token(CPP).token
    assert credential.get_token(CPP).token == first  # azure-identity's cache: no second exchange
    graph = azure_token_provider(settings, GRAPH).get_token()
    assert graph == f"app-token-2-{GRAPH}"
    assert [r.form["scope"] for r in entra.token_requests()] == [CPP, GRAPH]
    # One managed-identity token served both exchanges: it is cached until near its expiry.
    assert len(identity_endpoint.token_requests("api://AzureADTokenExchange")) == 1
    assert {r.form["client_assertion"] for r in entra.token_requests()} == {identity_endpoint.issued[0]}


def test_federated_credential_for_another_identity_is_refused(
    identity_endpoint: ManagedIdentityEndpoint, entra: EntraTokenEndpoint
) -> None:
    entra.apps[APP_CLIENT_ID] = trusting_app(subject="00000000-0000-0000-0000-000000000000")
    provider = token_provider_from_settings(federated_settings())
    with pytest.raises(TokenUnavailable) as info:
        provider.get_token()
    text = info.value.describe()
    assert "AADSTS700213" in text
    assert APP_CLIENT_ID in text and UAMI_CLIENT_ID in text
    assert identity_endpoint.issued[0] not in text


def test_federated_path_needs_no_secret_in_any_setting() -> None:
    settings = federated_settings()
    assert settings.identity_app_certificate is None and settings.cpp_access_token is None
    credential = build_credential(settings)
    assert type(credential).__name__ == "ClientAssertionCredential"


# --- Path 3: app registration + certificate from Key Vault ----------------------------------------------------------


def _certificate_secret(kind: str) -> tuple[str, AppRegistration]:
    """A certificate as Key Vault hands its secret out (base64 PKCS#12 or PEM), and the app that holds its key."""
    key, certificate = self_signed("cppcancel-app")
    if kind == "pkcs12":
        blob = pkcs12.serialize_key_and_certificates(b"cppcancel", key, certificate, None, serialization.NoEncryption())
        value = base64.b64encode(blob).decode()
    else:
        pem_key = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        value = (pem_key + certificate.public_bytes(serialization.Encoding.PEM)).decode()
    return value, AppRegistration(APP_CLIENT_ID, certificates=[certificate])


def certificate_settings(value: str) -> Settings:
    return load_settings(
        {
            "IDENTITY_MODE": "app-certificate",
            "IDENTITY_APP_CLIENT_ID": APP_CLIENT_ID,
            "IDENTITY_APP_TENANT_ID": TENANT,
            "IDENTITY_APP_CERTIFICATE": value,
        }
    )


@pytest.mark.parametrize("kind", ["pkcs12", "pem"])
def test_certificate_path_signs_an_assertion_entra_accepts(kind: str, entra: EntraTokenEndpoint) -> None:
    value, app = _certificate_secret(kind)
    entra.apps[APP_CLIENT_ID] = app
    settings = certificate_settings(value)
    credential = build_credential(settings, disable_instance_discovery=True)
    assert type(credential).__name__ == "CertificateCredential"
    provider = AzureIdentityTokenProvider(GRAPH, credential, settings=settings)
    assert provider.get_token() == f"app-token-1-{GRAPH}"
    (exchange,) = entra.token_requests()
    assert exchange.form["client_id"] == APP_CLIENT_ID
    assert exchange.form["client_assertion_type"] == JWT_BEARER
    assert "client_secret" not in exchange.form


def test_a_certificate_entra_does_not_know_is_refused(entra: EntraTokenEndpoint) -> None:
    value, _ = _certificate_secret("pem")
    _, other = _certificate_secret("pem")
    entra.apps[APP_CLIENT_ID] = other
    settings = certificate_settings(value)
    provider = AzureIdentityTokenProvider(CPP, build_credential(settings, disable_instance_discovery=True))
    with pytest.raises(TokenUnavailable, match="AADSTS700213"):
        provider.get_token()


def test_missing_or_garbled_certificate_is_a_clear_token_error() -> None:
    unresolved = "@Microsoft.KeyVault(VaultName=kv-x;SecretName=cpp-app-cert)"
    with pytest.raises(
        TokenUnavailable, match="needs IDENTITY_APP_CERTIFICATE: it is empty or an unresolved Key Vault"
    ):
        token_provider_from_settings(certificate_settings(unresolved)).get_token()
    with pytest.raises(IdentityConfigurationError, match="neither PEM nor base64"):
        certificate_bytes("not a certificate!")
    assert "cpp-app-cert" not in repr(certificate_settings("-----BEGIN PRIVATE KEY-----\nabc"))


# --- Settings and cold start ----------------------------------------------------------------------------------------


def test_a_mistyped_identity_mode_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="IDENTITY_MODE must be one of app-federated, app-certificate, managed-id"):
        load_settings({"IDENTITY_MODE": "service-principal"})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IDENTITY_MODE": "app-federated", "AZURE_CLIENT_ID": UAMI_CLIENT_ID}, "needs IDENTITY_APP_CLIENT_ID"),
        (
            {"IDENTITY_MODE": "app-federated", "IDENTITY_APP_CLIENT_ID": APP_CLIENT_ID, "IDENTITY_APP_TENANT_ID": "t"},
            "needs AZURE_CLIENT_ID: the user-assigned managed identity",
        ),
        ({"IDENTITY_MODE": "app-certificate", "IDENTITY_APP_CLIENT_ID": APP_CLIENT_ID}, "IDENTITY_APP_TENANT_ID"),
    ],
)
def test_an_incomplete_identity_path_fails_the_token_request_not_the_app(env: dict[str, str], message: str) -> None:
    """While the app registration is being set up, settings load (Slack keeps answering); a token says what is
    missing."""
    settings = load_settings(env)
    with pytest.raises(TokenUnavailable, match=message):
        token_provider_from_settings(settings).get_token()


def test_settings_differing_only_elsewhere_share_one_credential() -> None:
    slow = federated_settings(CPP_READ_TIMEOUT_S="30")
    quick = federated_settings(CPP_READ_TIMEOUT_S="3")
    other = federated_settings(AZURE_CLIENT_ID="22222222-2222-2222-2222-222222222222")
    assert credential_from_settings(slow) is credential_from_settings(quick)
    assert credential_from_settings(other) is not credential_from_settings(slow)


def test_default_mode_is_the_app_registration_trusting_the_managed_identity() -> None:
    """Partner Center admits Entra applications: the default is the app registration with a federated credential."""
    settings = federated_settings(IDENTITY_MODE="")
    assert settings.identity_mode == "app-federated"
    assert type(build_credential(settings)).__name__ == "ClientAssertionCredential"


def test_a_local_run_needs_no_identity_only_a_token() -> None:
    """With the default mode and nothing configured, a fixed token is used and no identity is ever asked; without
    one, the first token request says what to set."""
    static = load_settings({"CPP_ACCESS_TOKEN": "local-token"})
    assert token_provider_from_settings(static).get_token() == "local-token"
    with pytest.raises(TokenUnavailable, match="CPP_ACCESS_TOKEN"):
        token_provider_from_settings(load_settings({})).get_token()


def test_the_managed_identity_mode_uses_the_identity_or_a_developer_login() -> None:
    settings = load_settings({"IDENTITY_MODE": "managed-identity"})
    assert "DefaultAzureCredential" in credentials.describe_identity(settings)
    assert type(build_credential(settings)).__name__ == "DefaultAzureCredential"
    named = load_settings({"AZURE_CLIENT_ID": UAMI_CLIENT_ID, "IDENTITY_MODE": "Managed-Identity"})
    assert type(build_credential(named)).__name__ == "ManagedIdentityCredential"


def test_importing_credentials_does_not_import_azure_identity() -> None:
    code = "import sys, backends.http.credentials, backends.http.tokens; print('azure.identity' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "False"
