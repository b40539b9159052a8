"""Watching: the durable watcher (`watch_operation`, watch_orchestrator.py) that follows one CPP operation on durable
timers and keeps its Slack message current; its decisions as pure functions (watch_logic.py, over the state it carries
across continue_as_new in watch_state.py); the watch domain they decide about (watch_view.py: the phase, what counts as
news, the custom status); the one call into the chat's renderer (watch_chat.py); and its activities: load_watch_params
and the one poll read, registered as poll_operation and poll_job and answered by the target's backend
(poll_activities.py; a configure job is read at its shared pace, backends/ingestion/pace.py), update_slack
(chat_activities.py, through the watch's chat) and record_watch_end (audit_activities.py: the audit record of how the
watch ended, the release of the target's cancel lock, and what its backend keeps of the end). The JSON those activities
return is typed in backends/base.py (PollResult) and cppcancel/chat.py, their registered names are in names.py. The
watcher is started by cancel_function's orchestration; it starts nothing itself. Importing the package registers
everything on `bp` by name (registry.py), without importing any of those modules; function_app.py registers `bp` once.
"""

from poll_function import registry  # noqa: F401  (importing it registers every function on bp)
from poll_function.blueprint import bp

__all__ = ["bp"]
