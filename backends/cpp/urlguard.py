"""Which operation URLs the Partner Portal hands back may receive the CPP's bearer token.

The cancel answers with an `Operation-Location` (absolute) or, in the 2020 docs, a relative `Location`, and the
watcher then GETs that URL with `Authorization: Bearer ...` for hours. Whoever can influence that header (a proxy, a
compromised or spoofed response, a bug) would otherwise be handed a token that can cancel publishes. So a URL is only
followed when it is provably the Partner Portal's own API: same scheme, host and port as `CPP_BASE_URL`, no
user-info (`backends.http.urlguard`), a path under `/api/publishers/` or `/api/operations/`, and nothing a server or
proxy might re-interpret (encoded slashes or backslashes, dot-segments, control characters, double encoding).

Pure: no I/O, no logging. Messages say what was wrong; they quote the URL shortened, and a URL never holds a token.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

from backends.http.errors import UnsafeUrl
from backends.http.urlguard import ensure_same_origin, has_control, shown, split

__all__ = ["ALLOWED_PATH_PREFIXES", "SERVICE", "ensure_same_origin", "resolve_operation_url"]

SERVICE = "the Partner Portal"
ALLOWED_PATH_PREFIXES = ("/api/publishers/", "/api/operations/")
# After one round of decoding, these would still decode to "/", "\\" or "." on a server that decodes twice.
_ENCODED_SEPARATOR = re.compile(r"%(?:2f|5c|2e|25)", re.IGNORECASE)
_MAX_URL_LENGTH = 2048


def _api_prefixes(base_path: str) -> tuple[str, ...]:
    return tuple((base_path + p).lower() for p in ALLOWED_PATH_PREFIXES)


def _check_path(url: str, path: str, base_path: str) -> None:
    prefixes = _api_prefixes(base_path)
    if not path.lower().startswith(prefixes):
        raise UnsafeUrl(
            f"The URL {shown(url)} is outside the Partner Portal's operation API "
            f"(the path must start with {' or '.join(prefixes)})."
        )
    for segment in path.split("/"):
        try:
            decoded = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            raise UnsafeUrl(f"The URL {shown(url)} contains percent-encoding that is not UTF-8.") from None
        if decoded in (".", ".."):
            raise UnsafeUrl(f"The URL {shown(url)} contains a dot-segment ({segment!r}).")
        if "/" in decoded or "\\" in decoded or _ENCODED_SEPARATOR.search(decoded):
            raise UnsafeUrl(f"The URL {shown(url)} contains an encoded slash, backslash or dot ({segment!r}).")
        if has_control(decoded):
            raise UnsafeUrl(f"The URL {shown(url)} contains an encoded control character.")


def resolve_operation_url(base_url: str, location: str) -> str:
    """Turn an `Operation-Location` (absolute) or `Location` (relative, 2020 docs) into a URL safe to poll.

    Returns the absolute URL (fragment dropped: it is never sent to a server anyway); raises UnsafeUrl naming the
    rule that failed.
    """
    if not isinstance(location, str) or not location.strip():
        raise UnsafeUrl("The Partner Portal gave an empty operation URL.")
    if len(location) > _MAX_URL_LENGTH:
        raise UnsafeUrl(f"The operation URL is too long ({len(location)} characters).")
    if has_control(location) or any(ch.isspace() for ch in location):
        raise UnsafeUrl(f"The operation URL {shown(location)} contains whitespace or control characters.")
    if not location.isascii():
        raise UnsafeUrl(f"The operation URL {shown(location)} contains non-ASCII characters.")
    if "\\" in location:
        raise UnsafeUrl(f"The operation URL {shown(location)} contains a backslash.")

    base = split(base_url, "base URL")
    base_path = base.path.rstrip("/")
    if location.startswith("//"):
        raise UnsafeUrl(
            f"The operation URL {shown(location)} is protocol-relative (//host/...), which would leave the "
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
            f"The operation URL {shown(location)} is neither an absolute http(s) URL nor a path starting with '/'."
        )

    ensure_same_origin(base_url, absolute, SERVICE)
    parts = split(absolute, "operation URL")
    _check_path(absolute, parts.path, base_path)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
