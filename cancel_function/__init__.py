"""HTTP entry points: Slack slash commands and interactions (`slack_routes.py`), and the signed webhook
(`webhook_routes.py`); both start the cancel orchestration through the one start-the-cancel-once service
(`start_once.py`)."""

from cancel_function import slack_routes, webhook_routes  # noqa: F401  (register their routes on bp)
from cancel_function.blueprint import bp

__all__ = ["bp"]
