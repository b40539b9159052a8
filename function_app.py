"""Composition root of the Azure Functions v2 programming model: one DFApp, the blueprints, nothing else."""

import azure.durable_functions as df
import azure.functions as func

from bytecode_report import log_bytecode_report
from cancel_function import bp as cancel_bp
from poll_function import bp as poll_bp
from teams_app import bp as teams_bp

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(cancel_bp)
app.register_functions(poll_bp)
app.register_functions(teams_bp)
log_bytecode_report()  # one line per worker start: did the package's __pycache__ survive the build?
