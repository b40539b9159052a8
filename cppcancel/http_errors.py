"""The one JSON shape every HTTP entry point uses for a refusal: `{"error": {"code": ..., "message": ...}}`.

A pipeline's logs and a person's curl both read the same shape from the Slack routes, the webhook and the dev host:
a stable `code` to branch on and a `message` to show.
"""

from __future__ import annotations


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}
