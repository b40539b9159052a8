"""The blueprint the orchestrators and activities of this package register on."""

import azure.durable_functions as df

bp = df.Blueprint()
