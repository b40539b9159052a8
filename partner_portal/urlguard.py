"""Decide whether a URL the Partner Portal handed back may receive our bearer token.

The cancel answers with an `Operation-Location` (absolute) or, in the 2020 docs, a relative `Location`, and the
watcher then GETs that URL with `Authorization: Bearer ...` for hours. Whoever can influence that header (a proxy, a
compromised or spoofed response, a bug) would otherwise be handed a token that can cancel publishes. So a URL is only
followed when it is provably the Partner Portal's own API: same scheme, host and port as `CPP_BASE_URL`, no
user-info, a path under `/api/publishers/` or `/api/operations/`, and nothing a server or proxy might re-interpret
(encoded slashes or backslashes, dot-segments, control characters, double encoding).

Pure: no I/O, no logging. Messages say what was wrong; they quote the URL shortened, and a URL never holds a token.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from partner_portal.errors import UnsafeUrl

ALLOWED_PATH_PREFIXES = ("/api/publishers/", "/api/operations/")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# After one round of decoding, these would still decode to "/", "\" or "." on a server that decodes twice.
_ENCODED_SEPARATOR = re.compile(r"%(?:2f|5c|2e|25)", re.IGNORECASE)
_MAX_URL_LENGTH = 2048


def _shown(url: str) -> str:
    """The URL as quoted in a message: printable, and short enough for a chat message."""
    safe = "".join(ch if ch.isprintable() else "?" for ch in url)
    return repr(safe if len(safe) <= 120 else safe[:117] + "...")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def _split(url: str, what: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        _ = parts.port  # urlsplit parses the port lazily; a bad one raises here
    except ValueError as exc:
        raise UnsafeUrl(f"The {what} {_shown(url)} is not a valid URL ({exc}).") from None
    return parts


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def ensure_same_origin(base_url: str, url: str) -> None:
    """Raise UnsafeUrl unless `url` has exactly the scheme, host and port of `base_url` and no user-info.

    This is the rule for sending the bearer token at all; `resolve_operation_url` adds the path rules.
    """
    parts = _split(url, "URL")
    base = _split(base_url, "base URL")
    if "\\" in url or _has_control(url):
        raise UnsafeUrl(f"The URL {_shown(url)} contains a backslash or a control character.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrl(f"The URL {_shown(url)} carries user-info (user@host); the token is never sent there.")
    scheme, host, port = _origin(parts)
    base_scheme, base_host, base_port = _origin(base)
    if scheme != base_scheme:
        raise UnsafeUrl(
            f"The URL {_shown(url)} uses {scheme or 'no scheme'}:// but the Partner Portal is "
            f"{base_scheme}://; the token is only sent to {base_scheme}://{base.netloc}."
        )
    if host != base_host or port != base_port:
        raise UnsafeUrl(
            f"The URL {_shown(url)} points to {parts.netloc or 'no host'}, not to the Partner Portal "
            f"({base.netloc}); the token is only sent to the Partner Portal."
        )


def _api_prefixes(base_path: str) -> tuple[str, ...]:
    return tuple((base_path + p).lower() for p in ALLOWED_PATH_PREFIXES)


def _check_path(url: str, path: str, base_path: str) -> None:
    prefixes = _api_prefixes(base_path)
    if not path.lower().startswith(prefixes):
        raise UnsafeUrl(
            f"The URL {_shown(url)} is outside the Partner Portal's operation API "
            f"(the path must start with {' or '.join(prefixes)})."
        )
    for segment in path.split("/"):
        try:
            decoded = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            raise UnsafeUrl(f"The URL {_shown(url)} contains percent-encoding that is not UTF-8.") from None
        if decoded in (".", ".."):
            raise UnsafeUrl(f"The URL {_shown(url)} contains a dot-segment ({segment!r}).")
        if "/" in decoded or "\\" in decoded or _ENCODED_SEPARATOR.search(decoded):
            raise UnsafeUrl(f"The URL {_shown(url)} contains an encoded slash, backslash or dot ({segment!r}).")
        if _has_control(decoded):
            raise UnsafeUrl(f"The URL {_shown(url)} contains an encoded control character.")


def resolve_operation_url(base_url: str, location: str) -> str:
    """Turn an `Operation-Location` (absolute) or `Location` (relative, 2020 docs) into a URL safe to poll.

    Returns the absolute URL (fragment dropped: it is never sent to a server anyway); raises UnsafeUrl naming the
    rule that failed.
    """
    if not isinstance(location, str) or not location.strip():
        raise UnsafeUrl("The Partner Portal gave an empty operation URL.")
    if len(location) > _MAX_URL_LENGTH:
        raise UnsafeUrl(f"The operation URL is too long ({len(location)} characters).")
    if _has_control(location) or any(ch.isspace() for ch in location):
        raise UnsafeUrl(f"The operation URL {_shown(location)} contains whitespace or control characters.")
    if not location.isascii():
        raise UnsafeUrl(f"The operation URL {_shown(location)} contains non-ASCII characters.")
    if "\\" in location:
        raise UnsafeUrl(f"The operation URL {_shown(location)} contains a backslash.")

    base = _split(base_url, "base URL")
    base_path = base.path.rstrip("/")
    if location.startswith("//"):
        raise UnsafeUrl(
            f"The operation URL {_shown(location)} is protocol-relative (//host/...), which would leave the "
            "Partner Portal's host."
        )
    if location.startswith("/"):
        # A relative Location names the API's own path (/api/...). It hangs off CPP_BASE_URL, including any path
        # prefix the base URL has (a gateway's), unless the Location already carries that prefix.
        origin = urlunsplit((base.scheme, base.netloc, "", "", ""))
        has_prefix = location.lower().startswith(_api_prefixes(base_path))
        absolute = origin + location if has_prefix else origin + base_path + location
    elif urlsplit(location).scheme in ("http", "https"):
        absolute = location
    else:
        raise UnsafeUrl(
            f"The operation URL {_shown(location)} is neither an absolute http(s) URL nor a path starting with '/'."
        )

    ensure_same_origin(base_url, absolute)
    parts = _split(absolute, "operation URL")
    _check_path(absolute, parts.path, base_path)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
