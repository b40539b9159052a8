"""Names of the activities the cancel orchestration calls: the Python function names they are registered under.

Histories hold these names: renaming one would strand every cancel in flight at a deploy.
"""

SEND_CANCEL = "send_cancel"
FIND_WATCHER = "find_watcher"
REPORT_CANCEL = "report_cancel"
POINT_TO_REPORT = "point_to_report"
START_WATCHER = "start_watcher"
