"""The dev host's imitation of the Durable Functions extension: it drives the app's orchestrators through the real
Durable SDK replay (history JSON in, actions JSON out) and answers the durable client's HTTP API, so the same
orchestrator and client code runs here and in Azure.

- replay.py: one instance's history, driven a turn at a time through the SDK (no I/O, no clock; tests step it).
- engine.py: `DurableEngine`, instances and their turns: one lock per instance, every change committed first.
- work.py: what an instance waits for - activities in a worker pool, timers on the timer thread.
- timers.py: durable timers on the wall clock (one thread, one heap).
- store.py: `DurableStore`, the instances in SQLite, so a restarted dev host resumes every one.
- errors.py: what the engine refuses, one class per refusal (the HTTP API answers each with the extension's status).
- api.py: `DurableHttpApi`, the extension's HTTP API at /runtime/webhooks/durabletask and the client binding JSON.

Where it is known to differ from the extension in Azure:
- One process and one SQLite file per data dir (locked: a second dev host on it is refused), not a task hub of
  Azure Storage queues and tables: no partitions, no scale-out, no queue polling delay - work starts at once.
- Supported actions: activities (with retry), timers, external events, continue-as-new, when_any/when_all. A
  sub-orchestration, entity or durable HTTP call fails the instance (`replay.UnsupportedAction`).
- The HTTP API serves start, status, list, raiseEvent, terminate and purge; rewind, suspend and resume answer 501.
- Timers use the wall clock, re-checked at least every second, so a clock jump delays a timer by up to a second.
- As in Azure, an activity under way when the host stops runs again on restart (at-least-once).
"""
