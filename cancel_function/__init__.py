"""Issuing the cancel: the HTTP triggers that validate the caller (Slack commands and interactions in
slack_routes.py, the signed webhook in webhook_routes.py, the configure-job registration in job_routes.py), the one
start-the-cancel-once service both use (start_once.py), and the durable cancel orchestration they start
(cancel_orchestrator.py: send_cancel -> [find_watcher] -> report_cancel -> [point_to_report] -> start_watcher), with
its activities - the one cancel POST (send_activity.py; job_send.py for a Product Ingestion configure job), the
channel report and the pointer to it (report_activities.py), and the hand-over to a watcher (watcher_handover.py);
and the durable follow-up of a slash command whose answer did not fit in Slack's ack (slack_later.py). The JSON
those activities return is typed in payloads.py, their registered names are in names.py. Following the operation
after the hand-over is poll_function's job. Importing the package registers everything on `bp` by name
(registry.py), without importing any of those modules: each loads when its function first runs; function_app.py
registers `bp` once.
"""

from cancel_function import registry  # noqa: F401  (importing it registers every function on bp)
from cancel_function.blueprint import bp

__all__ = ["bp"]
