"""The product's blueprints and the bare baseline's blueprint in one DFApp, so one dev host serves both.

A dev host serves one FunctionApp. Putting the two side by side in one app means every request - real or bare -
goes through the very same listener, thread pools, event loop, durable engine and process, and requests to the
two can be interleaved one by one: machine noise then lands on both alike, which is what makes the ratio
meaningful. The real routes are registered exactly as `function_app.py` registers them; the bare ones only add
two routes under `bare/`.
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from benchmarks.bare_app import bp as bare_bp
from cancel_function import bp as cancel_bp
from poll_function import bp as poll_bp

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(cancel_bp)
app.register_functions(poll_bp)
app.register_functions(bare_bp)
