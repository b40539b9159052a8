"""Watching: the durable watcher (`watch_operation`, watch_orchestrator.py) that follows one CPP operation on durable
timers and keeps its Slack message current; its decisions as pure functions (watch_logic.py, over the state it
carries across continue_as_new in watch_state.py); the watch domain they decide about (watch_view.py: the phase,
what counts as news, the custom status); the one call into the Slack renderer (watch_slack.py); and its activities:
load_watch_params and poll_operation (cpp_activities.py), update_slack (slack_activities.py) and record_watch_end
(audit_activities.py: the audit record of how the watch ended, and the release of the offer's cancel lock); and
poll_job (job_activities.py), which reads a configure job at the job's shared pace (job_pace.py). The JSON those
activities return is typed in payloads.py, their registered names are in names.py. The watcher is started by
cancel_function's orchestration; it starts nothing itself. Importing the package registers everything on `bp` by
name (registry.py), without importing any of those modules; function_app.py registers `bp` once.
"""

from poll_function import registry  # noqa: F401  (importing it registers every function on bp)
from poll_function.blueprint import bp

__all__ = ["bp"]
