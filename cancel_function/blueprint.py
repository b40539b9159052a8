"""The blueprint every HTTP trigger of this package registers on; function_app.py registers it once."""

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS)
