"""The Bot Connector's signing keys, played locally: RS256 keys it publishes in a JWKS, and the tokens it signs with.

The Bot Framework signs every request it sends to a bot with a JWT (RS256) whose `kid` names a key published at
`https://login.botframework.com/v1/.well-known/keys`: issuer `https://api.botframework.com`, audience the bot's app
ID, a `serviceurl` claim equal to the activity's `serviceUrl`, `nbf` and `exp` (../shared/reference/teams.md, and the
Bot Framework's "Authentication with the Bot Connector API"). `SigningKey` is one such key; `mint` writes a token
the way the Bot Connector does - and, for the tests that prove a bad token is refused, any other way too (another
issuer or audience, expired, a key the JWKS does not publish).

The key pair is made on first use, and cryptography/PyJWT are imported then: a dev host that never serves a Teams
request pays nothing for its Teams stand-in (the cold-start benchmark's process included).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
TOKEN_LIFETIME_S = 3600
# What the Bot Framework's keys say they may sign for (its JWKS lists the channels in `endorsements`).
ENDORSEMENTS = ("msteams",)


class SigningKey:
    """An RSA key pair with a key ID; the private half never leaves this process."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or secrets.token_urlsafe(12)
        self._lock = threading.Lock()
        self._private: Any = None

    def _key(self) -> Any:
        with self._lock:
            if self._private is None:
                from cryptography.hazmat.primitives.asymmetric import rsa

                self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._private

    def jwk(self) -> dict[str, Any]:
        """The public key as the Bot Framework's JWKS lists it."""
        from jwt.algorithms import RSAAlgorithm

        public: dict[str, Any] = RSAAlgorithm.to_jwk(self._key().public_key(), as_dict=True)
        return {**public, "use": "sig", "kid": self.kid, "x5t": self.kid, "endorsements": list(ENDORSEMENTS)}

    def sign(self, claims: Mapping[str, Any], *, kid: str | None = None) -> str:
        """An RS256 JWT over `claims`, its header naming `kid` (this key's own unless told otherwise)."""
        import jwt

        named = kid or self.kid
        return jwt.encode(dict(claims), self._key(), algorithm="RS256", headers={"kid": named, "x5t": named})


def claims(
    *,
    audience: str,
    service_url: str | None,
    issuer: str = BOT_FRAMEWORK_ISSUER,
    lifetime_s: float = TOKEN_LIFETIME_S,
    not_before_s: float = 0.0,
    now: float | None = None,
) -> dict[str, Any]:
    """A Bot Connector token's claims. `not_before_s` shifts `nbf` (positive: not valid yet); a negative
    `lifetime_s` gives a token that has already expired. `service_url=None` leaves the claim out."""
    issued = time.time() if now is None else now
    body: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "nbf": int(issued + not_before_s),
        "exp": int(issued + lifetime_s),
    }
    if service_url is not None:
        body["serviceurl"] = service_url
    return body
