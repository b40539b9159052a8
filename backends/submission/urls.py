"""Every URL the submission API token may go to: built here from checked IDs, and checked again before it is sent.

The token (audience `https://api.partner.microsoft.com`) can delete an Azure Application's in-progress submission,
so it goes to SUBMISSION_API_BASE_URL's origin *and* path only (api.partner.microsoft.com serves more than
`/v1.0/ingestion`). Three rules:

- `ensure_api_url`: the URL has the base's scheme, host and port (`backends.http.urlguard.ensure_same_origin`: no
  user-info, backslash or control character), its path is under the base path, and the path holds no `%` and no
  dot-segment, so no encoded slash or `..` can leave it. The session's adapter applies it to every request carrying
  `Authorization`.
- `ensure_submission_delete`: a DELETE names exactly `{base}/products/{productId}/submissions/{submissionId}`.
  `DELETE /products/{productId}` deletes the whole product: no URL this module builds or accepts can be that.
- `resolve_next_link`: a page's `nextLink` (relative in recorded traffic, `v1.0/ingestion/products?$skipToken=...`,
  resolved the way Microsoft's own client does: from the host's root when it starts with the base path, else under
  the base) or `@odata.nextLink` (absolute) is followed only when it names the same collection it came from, on the
  same origin and path; anything else is refused before a byte is sent.

Product IDs are GUIDs and submission IDs long numbers in every example: both must be letters, digits and `-` (at
most 64), a safe path segment. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit, urlunsplit

from backends.http.errors import UnsafeUrl
from backends.http.urlguard import ensure_same_origin
from cppcancel.envread import is_loopback_host
from cppcancel.identifiers import validate_offer_id

_RESOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}\Z")
_MAX_LINK_LENGTH = 4096  # skip tokens are long base64 strings


def checked_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; ValueError unless https (http only on loopback), without user-info,
    query or fragment."""
    base_url = base_url.rstrip("/")
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or (parts.scheme == "http" and not is_loopback_host(host)):
        raise ValueError(f"The submission API base URL must be an https:// URL (http only on loopback): {base_url!r}")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise ValueError("The submission API base URL must not carry user-info, a query or a fragment")
    return base_url


def validate_resource_id(kind: str, value: str) -> str:
    """A product or submission ID as the API returned it; UnsafeUrl naming the rule otherwise (it would not be one
    path segment), so that the client refuses it like any other URL the token may not go to."""
    if not isinstance(value, str) or not _RESOURCE_ID.match(value):
        shown = repr(value)[:60]
        raise UnsafeUrl(f"The {kind} ID {shown} is not valid: letters, digits and '-', at most 64.")
    return value


def odata_string(value: str) -> str:
    """An OData string literal: quoted, with each quote doubled."""
    return "'" + value.replace("'", "''") + "'"


def offer_filter(offer_id: str) -> str:
    """The documented filter that finds an offer's product by its offer ID."""
    literal = odata_string(validate_offer_id(offer_id))
    return f"externalIDs/Any(i:i/type eq 'AzureOfferId' and i/value eq {literal})"


def products_by_offer_url(base_url: str, offer_id: str) -> str:
    # `$` as the docs write it; everything else of the expression percent-encoded (spaces as %20).
    return f"{base_url}/products?$filter={quote(offer_filter(offer_id), safe='')}"


def submissions_url(base_url: str, product_id: str) -> str:
    return f"{base_url}/products/{validate_resource_id('product', product_id)}/submissions"


def submission_url(base_url: str, product_id: str, submission_id: str) -> str:
    """One submission: what GET reads and what the one DELETE cancels."""
    return f"{submissions_url(base_url, product_id)}/{validate_resource_id('submission', submission_id)}"


def workflow_url(base_url: str, product_id: str, submission_id: str) -> str:
    return f"{submission_url(base_url, product_id, submission_id)}/workflowdetails"


def _shown(url: str) -> str:
    safe = "".join(ch if ch.isprintable() else "?" for ch in url)
    return repr(safe if len(safe) <= 120 else safe[:117] + "...")


def _tail(base_url: str, url: str) -> list[str]:
    """The path segments after the base path (after `ensure_api_url`)."""
    return urlsplit(url).path[len(urlsplit(base_url).path.rstrip("/")) :].split("/")[1:]


def ensure_api_url(base_url: str, url: str) -> None:
    """Raise UnsafeUrl unless `url` is on the base's origin, under its path, with nothing in the path that a server
    might read as another path."""
    try:
        ensure_same_origin(base_url, url)  # its messages name the Partner Portal: say it for this API instead
    except UnsafeUrl:
        origin = urlunsplit((*urlsplit(base_url)[:2], "", "", ""))
        raise UnsafeUrl(
            f"The URL {_shown(url)} is not on the submission API's origin ({origin}: same scheme, host and port, no "
            "user-info); the token is only sent there."
        ) from None
    path = urlsplit(url).path
    prefix = urlsplit(base_url).path.rstrip("/") + "/"
    segments = path.split("/")
    if not path.startswith(prefix) or "%" in path or "." in segments or ".." in segments:
        raise UnsafeUrl(f"The URL {_shown(url)} is outside the Partner Center submission API ({prefix}...).")


def ensure_submission_delete(base_url: str, url: str) -> None:
    """Raise UnsafeUrl unless `url` is exactly one submission, `{base}/products/{id}/submissions/{id}`, no query."""
    ensure_api_url(base_url, url)
    tail = _tail(base_url, url)
    shape = len(tail) == 4 and tail[0] == "products" and tail[2] == "submissions"
    if not shape or not all(_RESOURCE_ID.match(t) for t in tail) or urlsplit(url).query:
        raise UnsafeUrl(f"Only a submission may be deleted, never {_shown(url)} (a product, or anything else).")


def _refuse_link(link: str, why: str) -> UnsafeUrl:
    return UnsafeUrl(f"The next-page link {_shown(link)} was not followed: {why}.")


def _absolute_link(base_url: str, link: str) -> str:
    base = urlsplit(base_url)
    origin = urlunsplit((base.scheme, base.netloc, "", "", ""))
    base_path = base.path.strip("/")
    if link.startswith("//"):
        raise _refuse_link(link, "it is protocol-relative (//host/...)")
    if link.startswith("/"):
        return origin + link
    scheme = urlsplit(link).scheme
    if scheme in ("http", "https"):
        return link
    if scheme or ":" in link.split("?", 1)[0].split("/", 1)[0]:
        raise _refuse_link(link, "it is neither an http(s) URL nor a path")
    if base_path and link.lower().startswith(base_path.lower() + "/"):
        return f"{origin}/{link}"  # `v1.0/ingestion/products?...`: from the host's root, as Microsoft's client reads it
    return f"{base_url}/{link}"


def resolve_next_link(base_url: str, link: str, collection_url: str) -> str:
    """The absolute URL of the next page, or UnsafeUrl: only the same collection (`collection_url`'s path) on the
    base's origin and path, with only its query changed."""
    if len(link) > _MAX_LINK_LENGTH or not link.isascii() or any(ch.isspace() for ch in link):
        raise _refuse_link(link, "it is too long or holds whitespace or non-ASCII characters")
    if "\\" in link or any(unicodedata.category(ch) == "Cc" for ch in link):
        raise _refuse_link(link, "it holds a backslash or a control character")
    absolute = _absolute_link(base_url, link)
    try:
        ensure_api_url(base_url, absolute)
    except UnsafeUrl:
        raise _refuse_link(link, f"it leaves the submission API ({base_url}/...)") from None
    parts = urlsplit(absolute)
    if parts.path.rstrip("/").lower() != urlsplit(collection_url).path.rstrip("/").lower():
        raise _refuse_link(link, "it names another collection than the one being read")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
