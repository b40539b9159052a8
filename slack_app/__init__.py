"""Slack: command grammar, Block Kit rendering (pure), the Bolt app, and the Azure Functions <-> Bolt adapter.

Nothing heavy is imported here: the pure modules must stay importable without slack_bolt.
"""
