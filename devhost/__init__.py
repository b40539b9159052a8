"""Local host for development and tests: serves function_app, drives orchestrations, embeds emulators.

`python -m devhost` (serve), `python -m devhost demo`, `python -m devhost slash`: see `__main__`. The parts:

- host.py: the composition (settings -> emulators -> app -> store/engine -> HTTP listener); banner.py prints it.
- emulators.py: which outside services to stand in for - those the settings do not configure.
- functions/: the Functions host's part - find the app and its settings, index its functions, route and serve HTTP,
  invoke functions as the Python worker does; see its docstring.
- durable/: the Durable extension's part - histories in SQLite, turns, activities, timers, events, and the HTTP
  API the client binding calls; see its docstring.
- data_dir.py: one dev host per data dir.
- demo/: `python -m devhost demo`, the story, its last act (a configure job) and its printing; see its docstring.
- standins/: the outside services (the CPP emulator, the Product Ingestion stand-in, Slack's Web API and Slack's
  signed requests, Azurite's launcher); see its docstring.
"""
