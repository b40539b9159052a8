"""Local host for development, tests and the demo: it serves function_app the way Azure does, with the platform and
the outside services imitated and the application unchanged. None of it ships (`.funcignore`).

`python -m devhost` (serve), `python -m devhost demo`, `python -m devhost slash`: see `__main__`. The rooms:

- functions/: the Functions host and its Python worker - find the app and its settings, index its functions, route
  and serve HTTP, invoke functions as the worker does.
- durable/: the Durable extension - histories in SQLite, turns through the real SDK replay, activities, timers,
  events, and the HTTP API the durable client calls; its docstring says where it differs from Azure.
- standins/: the outside services on one loopback server base - the CPP emulator, the Product Ingestion stand-in,
  the Partner Center submission API stand-in, Slack's Web API and Slack's signed requests, Teams' Bot Connector and
  Microsoft Graph, Azurite's launcher.
- demo/: `python -m devhost demo`, the story and its printing.

At the top, the composition and what the rooms share:

- __main__.py: the command line.
- host.py: `DevHost`, the composition (settings -> stand-ins -> app -> store/engine -> HTTP listener).
- emulators.py: which outside services to stand in for - those the settings do not configure.
- banner.py: what `python -m devhost` prints at start (endpoints, what is real and what is emulated).
- data_dir.py: one dev host per data dir (an advisory lock).
- processes.py: stopping a child process politely (the test harness and the Azurite launcher).
"""
