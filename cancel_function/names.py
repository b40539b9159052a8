"""Names of the activities the cancel orchestration calls: the Python function names they are registered under;
and the one route a caller is handed back (the webhook's status URL).

Histories hold these names: renaming one would strand every cancel in flight at a deploy.
"""

SEND_CANCEL = "send_cancel"
FIND_WATCHER = "find_watcher"
REPORT_CANCEL = "report_cancel"
POINT_TO_REPORT = "point_to_report"
START_WATCHER = "start_watcher"
# The two-person rule (cancel_function/approval_wait.py).
OPEN_APPROVAL = "open_approval"
ASK_APPROVAL = "ask_approval"
REFRESH_APPROVAL = "refresh_approval"

STATUS_ROUTE = "webhooks/operations/{instanceId}"  # GET: a webhook-started cancel's progress
