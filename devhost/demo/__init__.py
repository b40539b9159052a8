"""`python -m devhost demo`: the whole story on the built-in stand-ins, printed as a person would read it in Slack.

- run.py: `run_demo` - a dev host on a free port with a fresh data dir and the demo's policy, then the story, then
  what happened (or which step failed, with the end of the log).
- story.py: `Story`, the Cloud Partner Portal publish's acts and the helpers every act uses; `StepFailed`.
- jobs.py: the last act, a Product Ingestion configure job registered by its pipeline and cancelled from Slack.
- render.py: `Conversation`, the terminal view of the Slack conversation (also what `python -m devhost` prints).
"""
