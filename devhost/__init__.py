"""Local host for development and tests: serves function_app, drives orchestrations, embeds emulators."""
