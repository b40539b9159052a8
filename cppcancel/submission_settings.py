"""The Partner Center submission API's settings (SUBMISSION_API_*), read from the environment
(`read_submission_api`).

Apart from `cppcancel.settings` so that each API's settings sit in one small file; `Settings.submission_api` holds
them. The API finds products by offer ID account-wide, so only `publishers` are ever looked up there (none by
default: deny by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cppcancel import envread as read
from cppcancel.identifiers import parse_publisher_list

DEFAULT_SUBMISSION_API_BASE_URL = "https://api.partner.microsoft.com/v1.0/ingestion"
SUBMISSION_API_TOKEN_SCOPE = "https://api.partner.microsoft.com/.default"  # noqa: S105 - an audience, not a secret

SUBMISSION_API_SETTING_NAMES = (
    "SUBMISSION_API_BASE_URL",
    "SUBMISSION_API_TOKEN_SCOPE",
    "SUBMISSION_API_ACCESS_TOKEN",
    "SUBMISSION_API_PUBLISHERS",
    "SUBMISSION_API_CONNECT_TIMEOUT_S",
    "SUBMISSION_API_READ_TIMEOUT_S",
    "SUBMISSION_API_MAX_RETRIES",
)


@dataclass(frozen=True)
class SubmissionApiSettings:
    """The Partner Center submission API's (Azure Application offers)."""

    base_url: str = DEFAULT_SUBMISSION_API_BASE_URL
    token_scope: str = SUBMISSION_API_TOKEN_SCOPE
    access_token: str | None = field(default=None, repr=False)  # static token (local only)
    publishers: tuple[str, ...] = ()
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_retries: int = 4


def read_submission_api(env: read.Env) -> SubmissionApiSettings:
    """SUBMISSION_API_*, every problem added to `env.problems`."""
    publishers, wrong = parse_publisher_list(read.text(env, "SUBMISSION_API_PUBLISHERS") or "")
    env.problems.extend(f"SUBMISSION_API_PUBLISHERS: {problem}" for problem in wrong)
    return SubmissionApiSettings(
        base_url=read.base_url(env, "SUBMISSION_API_BASE_URL", DEFAULT_SUBMISSION_API_BASE_URL),
        token_scope=read.text(env, "SUBMISSION_API_TOKEN_SCOPE") or SUBMISSION_API_TOKEN_SCOPE,
        access_token=read.text(env, "SUBMISSION_API_ACCESS_TOKEN"),
        publishers=publishers,
        connect_timeout_s=read.seconds(env, "SUBMISSION_API_CONNECT_TIMEOUT_S", 5.0),
        read_timeout_s=read.seconds(env, "SUBMISSION_API_READ_TIMEOUT_S", 30.0),
        max_retries=read.count(env, "SUBMISSION_API_MAX_RETRIES", 4, minimum=0),
    )
