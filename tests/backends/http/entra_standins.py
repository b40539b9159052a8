"""Loopback stand-ins for the outside edge of the identity paths: the App Service managed-identity endpoint and the
Microsoft Entra token endpoint, speaking the documented wire formats.

- Managed identity (App Service / Functions REST endpoint, what azure-identity and MSAL send): `GET $IDENTITY_ENDPOINT
  ?api-version=2019-08-01&resource=<resource>&client_id=<user-assigned client ID>` with the header
  `X-IDENTITY-HEADER: $IDENTITY_HEADER`; the answer is `{"access_token", "expires_on" (epoch seconds), "resource",
  "token_type", "client_id"}`. Its tokens are JWTs whose `iss`, `sub` (the identity's object ID) and `aud` are what a
  federated identity credential is checked against.
- Entra (v2.0 endpoints, over TLS, as azure-identity insists): `GET /{tenant}/v2.0/.well-known/openid-configuration`
  and `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, `client_id`, `scope` and a
  `client_assertion` of type `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`: either a managed-identity token
  that matches the app's federated credential (issuer, subject, audience), or a JWT signed with the app's certificate
  (RS256, `aud` the token endpoint, `iss` = `sub` = the client ID). Anything else gets an `invalid_client` error.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_MI_SIGNING_KEY = "managed-identity-stand-in-signing-key-0123456789abcdef"  # HS256: only this stand-in checks it


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)


class _Server:
    """A threading loopback HTTP(S) server whose handler calls `self.answer(request) -> (status, body)`."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                request = Request(
                    self.command,
                    parts.path,
                    {k: v[0] for k, v in parse_qs(parts.query).items()},
                    dict(self.headers.items()),
                    {k: v[0] for k, v in parse_qs(raw).items()},
                )
                server.requests.append(request)
                status, body = server.answer(request)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class ManagedIdentityEndpoint(_Server):
    """The App Service identity endpoint of one function app with one user-assigned identity."""

    def __init__(self, *, tenant_id: str, client_id: str, principal_id: str, header_secret: str) -> None:
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}/msi/token"
        self.tenant_id, self.client_id, self.principal_id = tenant_id, client_id, principal_id
        self.header_secret = header_secret
        self.lifetime_s = 86400
        self.issued: list[str] = []

    def answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        if request.headers.get("X-IDENTITY-HEADER") != self.header_secret:
            return 401, {"statusCode": 401, "message": "Invalid or missing X-IDENTITY-HEADER"}
        resource = request.query.get("resource", "")
        if request.query.get("api-version") != "2019-08-01" or not resource:
            return 400, {"statusCode": 400, "message": "api-version 2019-08-01 and resource are required"}
        if request.query.get("client_id", self.client_id) != self.client_id:
            return 400, {"statusCode": 400, "message": "No managed identity with that client_id on this app"}
        expires_on = int(time.time()) + self.lifetime_s
        claims = {
            "aud": resource,
            "iss": f"https://login.microsoftonline.com/{self.tenant_id}/v2.0",
            "sub": self.principal_id,
            "oid": self.principal_id,
            "appid": self.client_id,
            "exp": expires_on,
            "n": len(self.issued) + 1,
        }
        token = jwt.encode(claims, _MI_SIGNING_KEY, algorithm="HS256")
        self.issued.append(token)
        body = {"access_token": token, "expires_on": str(expires_on), "resource": resource, "token_type": "Bearer"}
        return 200, {**body, "client_id": self.client_id}

    def token_requests(self, resource: str | None = None) -> list[Request]:
        return [r for r in self.requests if resource is None or r.query.get("resource") == resource]


def decode_managed_identity_token(token: str) -> dict[str, Any]:
    """The claims of a token this stand-in issued (signature checked); raises jwt.InvalidTokenError otherwise."""
    claims: dict[str, Any] = jwt.decode(
        token, _MI_SIGNING_KEY, algorithms=["HS256"], options={"verify_aud": False, "require": ["exp"]}
    )
    return claims


@dataclass(frozen=True)
class FederatedCredential:
    """An app registration's federated identity credential, as created in Entra (issuer, subject, audiences)."""

    issuer: str
    subject: str
    audiences: tuple[str, ...] = ("api://AzureADTokenExchange",)


@dataclass
class AppRegistration:
    client_id: str
    federated: list[FederatedCredential] = field(default_factory=list)
    certificates: list[x509.Certificate] = field(default_factory=list)


class EntraTokenEndpoint(_Server):
    """Microsoft Entra ID's v2.0 token endpoint for one tenant, over TLS with a self-signed loopback certificate."""

    def __init__(self, tenant_id: str, tls_dir: Path) -> None:
        self.ca_file = tls_dir / "entra-standin.pem"
        context = _tls_context(self.ca_file, tls_dir / "entra-standin.key")
        super().__init__(tls=context)
        self.tenant_id = tenant_id
        self.authority = f"https://127.0.0.1:{self.port}"
        self.token_endpoint = f"{self.authority}/{tenant_id}/oauth2/v2.0/token"
        self.apps: dict[str, AppRegistration] = {}
        self.issued: list[dict[str, Any]] = []

    def answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        base = f"{self.authority}/{self.tenant_id}"
        if request.method == "GET" and request.path == f"/{self.tenant_id}/v2.0/.well-known/openid-configuration":
            return 200, {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": self.token_endpoint,
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            }
        if request.method != "POST" or request.path != f"/{self.tenant_id}/oauth2/v2.0/token":
            return 404, {"error": "not_found", "error_description": f"no route {request.method} {request.path}"}
        return self._token(request.form)

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        app = self.apps.get(form.get("client_id", ""))
        if form.get("grant_type") != "client_credentials" or not form.get("scope"):
            return 400, _error("unsupported_grant_type", "AADSTS70003: client_credentials with a scope expected")
        if app is None:
            return 400, _error("unauthorized_client", "AADSTS700016: Application not found in the directory")
        if form.get("client_assertion_type") != JWT_BEARER or not form.get("client_assertion"):
            return 401, _error("invalid_client", "AADSTS7000218: a client_assertion is required")
        if not (
            self._federated_ok(app, form["client_assertion"]) or self._certificate_ok(app, form["client_assertion"])
        ):
            return 401, _error("invalid_client", "AADSTS700213: No matching federated identity record or certificate")
        token = {"client_id": app.client_id, "scope": form["scope"], "n": len(self.issued) + 1}
        self.issued.append(token)
        body = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599}
        return 200, {**body, "access_token": f"app-token-{token['n']}-{form['scope']}"}

    def _federated_ok(self, app: AppRegistration, assertion: str) -> bool:
        try:
            claims = decode_managed_identity_token(assertion)
        except jwt.InvalidTokenError:
            return False
        return any(
            claims["iss"] == f.issuer and claims["sub"] == f.subject and claims["aud"] in f.audiences
            for f in app.federated
        )

    def _certificate_ok(self, app: AppRegistration, assertion: str) -> bool:
        for certificate in app.certificates:
            try:
                claims = jwt.decode(
                    assertion, certificate.public_key(), algorithms=["RS256", "PS256"], audience=self.token_endpoint
                )
            except jwt.InvalidTokenError:
                continue
            if claims.get("iss") == app.client_id and claims.get("sub") == app.client_id:
                return True
        return False

    def token_requests(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]


def _error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": description, "error_codes": [int(description[6:].split(":")[0])]}


def self_signed(common_name: str, *, ip: str | None = None) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if ip is not None:
        import ipaddress

        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))])
        builder = builder.add_extension(san, critical=False)
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return key, builder.sign(key, hashes.SHA256())


def _tls_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    key, certificate = self_signed("127.0.0.1", ip="127.0.0.1")
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context
