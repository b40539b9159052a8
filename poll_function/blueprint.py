"""The blueprint the watcher and its activities register on (function_app.py registers it once).

`orchestrator` and `activity` register a function on `bp` and hand back the function itself, typed (see
durable_registration.py); the host indexes it under its Python name, which is the name the watcher calls it by.
"""

# The SDK ships no py.typed; see durable_registration.py for the tolerant ignore.
import azure.durable_functions as df  # type: ignore[import-untyped, unused-ignore]

from durable_registration import DurableRegistrar

bp = df.Blueprint()

_registrar = DurableRegistrar(bp)
orchestrator = _registrar.orchestrator
activity = _registrar.activity
