"""Names of the activities the orchestrations call: the Python function names they are registered under."""

LOAD_WATCH_PARAMS = "load_watch_params"
POLL_OPERATION = "poll_operation"
UPDATE_SLACK = "update_slack"
SEND_CANCEL = "send_cancel"
REPORT_CANCEL = "report_cancel"
START_WATCHER = "start_watcher"
FIND_WATCHER = "find_watcher"
