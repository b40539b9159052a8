"""The first fence of every bearer token: a URL may receive an API's token only on that API's own origin.

Each backend adds its own path rules on top (`backends.cpp.urlguard`: the CPP's operation URLs;
`backends.ingestion.urlguard`: a configure job's URLs), and each client's session refuses, in its adapter, to put a
request carrying `Authorization` anywhere this rule (and its own) would not allow. Same scheme, host and port as the
API's base URL, no user-info, no backslash or control character.

Pure: no I/O, no logging. Messages say what was wrong; they quote the URL shortened, and a URL never holds a token.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import SplitResult, urlsplit

from backends.http.errors import UnsafeUrl

_DEFAULT_PORTS = {"http": 80, "https": 443}


def shown(url: str) -> str:
    """The URL as quoted in a message: printable, and short enough for a chat message."""
    safe = "".join(ch if ch.isprintable() else "?" for ch in url)
    return repr(safe if len(safe) <= 120 else safe[:117] + "...")


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def split(url: str, what: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        _ = parts.port  # urlsplit parses the port lazily; a bad one raises here
    except ValueError as exc:
        raise UnsafeUrl(f"The {what} {shown(url)} is not a valid URL ({exc}).") from None
    return parts


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def ensure_same_origin(base_url: str, url: str, service: str = "the API") -> None:
    """Raise UnsafeUrl unless `url` has exactly the scheme, host and port of `base_url` and no user-info.

    This is the rule for sending the bearer token at all; each backend's URL guard adds its path rules. `service`:
    the API the token belongs to, as the messages name it.
    """
    parts = split(url, "URL")
    base = split(base_url, "base URL")
    if "\\" in url or has_control(url):
        raise UnsafeUrl(f"The URL {shown(url)} contains a backslash or a control character.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrl(f"The URL {shown(url)} carries user-info (user@host); the token is never sent there.")
    scheme, host, port = _origin(parts)
    base_scheme, base_host, base_port = _origin(base)
    if scheme != base_scheme:
        raise UnsafeUrl(
            f"The URL {shown(url)} uses {scheme or 'no scheme'}:// but {service} is "
            f"{base_scheme}://; the token is only sent to {base_scheme}://{base.netloc}."
        )
    if host != base_host or port != base_port:
        raise UnsafeUrl(
            f"The URL {shown(url)} points to {parts.netloc or 'no host'}, not to {service} "
            f"({base.netloc}); the token is only sent to {service}."
        )
