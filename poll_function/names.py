"""Names of the activities the watcher calls: the Python function names they are registered under.

Histories hold these names: renaming one would strand every watch in flight at a deploy.
"""

LOAD_WATCH_PARAMS = "load_watch_params"
POLL_OPERATION = "poll_operation"
POLL_JOB = "poll_job"
POLL_SUBMISSION = "poll_submission"
UPDATE_SLACK = "update_slack"
RECORD_WATCH_END = "record_watch_end"
