"""HTTP entry points: Slack slash commands and interactions, and the signed webhook."""

from cancel_function.blueprint import bp

__all__ = ["bp"]
