"""Durable orchestrations: issue the cancel, then watch the CPP operation and keep Slack up to date.

Importing the package registers every orchestrator and activity on `bp` (function_app.py registers `bp` once):

- `cancel_orchestrator` (cancel_orchestrator.py): send_cancel -> report_cancel -> start_watcher.
- `watch_operation` (watch_orchestrator.py): load_watch_params, then poll_operation / update_slack on durable timers.
- `watch_operation` ends with record_watch_end: one audit record of how the watch ended.
- activities: cpp_activities.py (CPP and settings), slack_activities.py (Slack), watcher_start.py (durable client),
  audit_activities.py (the end-of-watch audit record).
"""

from poll_function import (
    audit_activities,
    cancel_orchestrator,
    cpp_activities,
    slack_activities,
    watch_orchestrator,
    watcher_start,
)
from poll_function.blueprint import bp

__all__ = [
    "audit_activities",
    "bp",
    "cancel_orchestrator",
    "cpp_activities",
    "slack_activities",
    "watch_orchestrator",
    "watcher_start",
]
