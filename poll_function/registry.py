"""Every function of the package, as the host indexes it: the watcher and its activities, by name, each with the
`"module:function"` that runs it, imported on first use (`durable_registration`), so that indexing the app - which
every cold worker does first, even one started for a Slack command - imports none of the watcher's code. The names
are the contract: histories hold them, and `names.py` is what the watcher calls.
"""

from poll_function.blueprint import registrar
from poll_function.names import (
    LOAD_WATCH_PARAMS,
    POLL_JOB,
    POLL_OPERATION,
    POLL_SUBMISSION,
    RECORD_WATCH_END,
    UPDATE_SLACK,
)

registrar.lazy_orchestrator("watch_operation", "poll_function.watch_orchestrator:watch_operation")
registrar.lazy_activity(LOAD_WATCH_PARAMS, "poll_function.poll_activities:load_watch_params")
registrar.lazy_activity(POLL_OPERATION, "poll_function.poll_activities:poll_operation")
registrar.lazy_activity(POLL_JOB, "poll_function.poll_activities:poll_job")
registrar.lazy_activity(POLL_SUBMISSION, "poll_function.poll_activities:poll_submission")
registrar.lazy_activity(UPDATE_SLACK, "poll_function.chat_activities:update_slack")
registrar.lazy_activity(RECORD_WATCH_END, "poll_function.audit_activities:record_watch_end")
