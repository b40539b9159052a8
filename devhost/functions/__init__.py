"""The dev host's imitation of the Azure Functions host and its Python worker: it finds the app's functions, serves
their HTTP triggers and invokes every function the way the worker does, through azure-functions' own converters.

- loader.py: find the FunctionApp ("module:attr") and the host.json beside it (route prefix, hub, timeout).
- settings.py: settings as Core Tools provides them - the environment first, then local.settings.json `Values`.
- host.py: `FunctionsHost`, the functions indexed once from `app.get_functions()`, and invoked as the worker does.
- routing.py: HTTP trigger route templates, matched as the Functions host matches them.
- bridge.py: wire HTTP <-> `azure.functions.HttpRequest`/`HttpResponse`, through the worker's converters.
- server.py: `DevHostServer`, the HTTP listener (a thread per connection, capped bodies, a deep backlog).
- event_loop.py: the one asyncio loop every `async def` function runs on, as the worker has one per process.
"""
