"""Durable orchestrations: issue the cancel, then watch the CPP operation and keep Slack up to date."""

from poll_function.blueprint import bp

__all__ = ["bp"]
