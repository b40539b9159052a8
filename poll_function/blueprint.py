"""The blueprint the watcher and its activities register on (registry.py; function_app.py registers it once)."""

# The SDK ships no py.typed; see durable_registration.py for the tolerant ignore.
import azure.durable_functions as df  # type: ignore[import-untyped, unused-ignore]

from durable_registration import DurableRegistrar

bp = df.Blueprint()

registrar = DurableRegistrar(bp)
