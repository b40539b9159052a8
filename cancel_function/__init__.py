"""HTTP entry points: Slack slash commands and interactions, and the signed webhook."""

from cancel_function import slack_routes, webhook_routes  # noqa: F401  (register their routes on bp)
from cancel_function.blueprint import bp

__all__ = ["bp"]
