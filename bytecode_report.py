"""Whether this worker runs the app from the byte code the package shipped, logged once when the app is loaded.

`infra/hooks/prepackage.py` compiles the app into its `__pycache__` folders before azd zips it, so that a cold worker
on the read-only package mount does not compile the app from source before its first Slack answer. Whether those
folders survive the remote build on Flex Consumption no Microsoft source says either way, and only the worker can
see it: a module imported from a shipped `.pyc` has that file next to its source, under this Python's version tag
(`module.__cached__`); a module compiled from source on a read-only mount has none. One log line per worker start
says how many of the app's loaded modules had one (docs/deploy.md: the one command that reads it back). Locally,
where Python may write `__pycache__` itself, the count proves nothing. Standard library only, a stat per module:
nothing worth measuring on the cold start.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

LOGGER = "cppcancel.bytecode"
MARKER = "cppcancel bytecode:"  # what the documented query looks for: keep it
APP_ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BytecodeReport:
    shipped: int  # app modules whose .pyc for this Python is there (on a read-only mount: shipped in the package)
    total: int  # app modules loaded from a .py source
    cache_tag: str

    def line(self) -> str:
        verdict = (
            "the shipped byte code is in use"
            if self.total and self.shipped == self.total
            else "modules without it were compiled from source at import (see docs/deploy.md, the prepackage hook)"
        )
        return f"{MARKER} {self.shipped} of {self.total} app modules have a .pyc for {self.cache_tag}: {verdict}"


def _is_app_source(module: ModuleType, root: str) -> bool:
    """A module of the app itself: a .py file under the app's folder, not in a folder of installed libraries (the
    remote build's `.python_packages`, a local `.venv`: both hidden folders holding `site-packages`)."""
    source = getattr(module, "__file__", None)
    if not isinstance(source, str) or not source.endswith(".py") or not source.startswith(root):
        return False
    inside = source[len(root) :]
    return not inside.startswith(".") and f"{os.sep}site-packages{os.sep}" not in inside


def bytecode_report(modules: dict[str, ModuleType] | None = None, app_root: Path = APP_ROOT) -> BytecodeReport:
    """Count the loaded modules under `app_root` (the app, not the libraries) and how many had their .pyc."""
    root = str(app_root) + os.sep
    shipped = total = 0
    for module in list((sys.modules if modules is None else modules).values()):
        if module is None or not _is_app_source(module, root):
            continue
        total += 1
        cached = getattr(module, "__cached__", None)
        shipped += bool(isinstance(cached, str) and os.path.exists(cached))
    return BytecodeReport(shipped, total, sys.implementation.cache_tag or "this Python")


def log_bytecode_report() -> BytecodeReport:
    report = bytecode_report()
    logging.getLogger(LOGGER).info(report.line())
    return report
