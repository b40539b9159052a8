"""Which URLs the Product Ingestion token may be sent to: INGESTION_BASE_URL's origin *and* path, nothing else.

The shared rule (`backends.http.urlguard`) pins the origin; here the path is pinned too, because Microsoft Graph
serves far more than product ingestion under the same host, and a token for `https://graph.microsoft.com/.default`
must not be handed to whatever else a URL might name. A job URL is `{base}/configure/{jobId}` plus `/status` or
`/cancel`, with a job ID that `cppcancel.identifiers.validate_job_id` accepts - so no dot-segment, encoded slash or
query trick can leave that path. Pure: no I/O.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote, urlsplit

from backends.http.errors import UnsafeUrl
from backends.http.urlguard import ensure_same_origin
from cppcancel.identifiers import InvalidInput, validate_job_id

SERVICE = "the Product Ingestion API"
JobAction = Literal["status", "cancel"]


def base_path(base_url: str) -> str:
    return urlsplit(base_url).path.rstrip("/")


def job_url(base_url: str, job_id: str, action: JobAction) -> str:
    """The absolute URL (no query) of a job's status or cancel."""
    validate_job_id(job_id)
    return f"{base_url.rstrip('/')}/configure/{quote(job_id, safe='')}/{action}"


def ensure_ingestion_url(base_url: str, url: str) -> None:
    """Raise UnsafeUrl unless `url` has `base_url`'s origin and sits under its path (the adapter's last check)."""
    ensure_same_origin(base_url, url, SERVICE)
    path = urlsplit(url).path
    prefix = base_path(base_url) + "/"
    if not path.startswith(prefix) or "%" in path or "/./" in path or "/../" in path:
        raise UnsafeUrl(f"The URL {url[:120]!r} is outside the Product Ingestion API ({prefix}...).")


def job_of_status_url(base_url: str, url: str) -> str:
    """The job ID of a stored `configure/{jobId}/status` URL, after checking it is exactly that (else UnsafeUrl)."""
    ensure_ingestion_url(base_url, url)
    tail = urlsplit(url).path[len(base_path(base_url)) :].split("/")
    if len(tail) != 4 or tail[:2] != ["", "configure"] or tail[3] != "status":
        raise UnsafeUrl(f"The URL {url[:120]!r} is not a configure job's status.")
    try:
        return validate_job_id(tail[2])
    except InvalidInput as exc:
        raise UnsafeUrl(str(exc)) from None
