#!/usr/bin/env python3
"""azd's prepackage hook for the `api` service: byte-compile the function app before it is zipped.

A cold worker imports the whole app before it can answer Slack (3 s). The libraries come byte-compiled (pip
compiles them at install), the app's own ~20,000 lines would not: on a package mount Python cannot write
`__pycache__`, so every cold start would compile them from source again (benchmarks figure 2 measured about 100 ms
of it on the development machines). The `.pyc` files are written with `--invalidation-mode checked-hash`: Python
uses one only while its source's hash matches, so a stale file is never used, whatever the zip does to mtimes; and
files of another Python version are ignored. `.funcignore` therefore keeps `__pycache__` in the package.

Because a worker ignores every `.pyc` of another Python version, a package compiled by the wrong interpreter would
deploy fine and then compile from source on every cold start. So the hook first compares its own Python with the
function app's - `FUNCTION_APP_PYTHON_VERSION` from the azd environment (main.parameters.json feeds it to
`pythonVersion`), else `pythonVersion`'s default in infra/main.bicep - and fails loudly when they differ; azure.yaml
runs it with `continueOnError: false`, so azd stops before anything is deployed.

    python3 infra/hooks/prepackage.py            # as azure.yaml runs it
    python3 infra/hooks/prepackage.py devhost    # and other folders too (the cold-start benchmark)
"""

from __future__ import annotations

import compileall
import os
import py_compile
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MAIN_BICEP = REPO_ROOT / "infra" / "main.bicep"
#: The azd environment variable main.parameters.json passes to main.bicep's `pythonVersion` (unset: its default).
PYTHON_VERSION_VARIABLE = "FUNCTION_APP_PYTHON_VERSION"
_BICEP_DEFAULT = re.compile(r"^param pythonVersion string = '([0-9]+\.[0-9]+)'", re.MULTILINE)

#: What the deployed function app imports from the repository (the rest is excluded by .funcignore).
APP_SOURCES = (
    "function_app.py",
    "durable_registration.py",
    "durable_bridge.py",
    "bytecode_report.py",
    "cancel_function",
    "poll_function",
    "slack_app",
    "teams_app",
    "cppcancel",
    "backends",
    "record_store",
)


def byte_compile(names: Sequence[str]) -> bool:
    """Compile each file or folder below the repository root; False if any source fails to compile."""
    mode = py_compile.PycInvalidationMode.CHECKED_HASH
    ok = True
    for name in names:
        path = REPO_ROOT / name
        if path.is_file():
            ok = bool(compileall.compile_file(path, force=True, quiet=1, invalidation_mode=mode)) and ok
        else:
            ok = bool(compileall.compile_dir(path, force=True, quiet=1, invalidation_mode=mode)) and ok
    return ok


def app_python_version(environ: Mapping[str, str]) -> str | None:
    """The function app's Python (major.minor): the azd variable if set, else main.bicep's default; None if unknown."""
    chosen = environ.get(PYTHON_VERSION_VARIABLE, "").strip()
    if chosen:
        return chosen
    found = _BICEP_DEFAULT.search(MAIN_BICEP.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def python_mismatch(environ: Mapping[str, str]) -> str | None:
    """Why this interpreter must not compile the package, or None when it is the app's Python."""
    ours = f"{sys.version_info.major}.{sys.version_info.minor}"
    app = app_python_version(environ)
    if app is None:
        return f"cannot tell the function app's Python (no {PYTHON_VERSION_VARIABLE}, no pythonVersion in main.bicep)"
    if app == ours:
        return None
    return (
        f"this is Python {ours}, but the function app runs Python {app} (pythonVersion: {PYTHON_VERSION_VARIABLE} in "
        f"the azd environment, else the default in infra/main.bicep). Its worker would ignore every .pyc compiled "
        f"here and compile the app from source on every cold start. Run the hook with Python {app} (for azd: put "
        f"python{app} first on PATH as python3), or change pythonVersion"
    )


def main(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> int:
    mismatch = python_mismatch(environ)
    if mismatch is not None:
        print(f"prepackage: FAILED - {mismatch}; nothing is deployed", file=sys.stderr)
        return 1
    names = (*APP_SOURCES, *argv)
    if not byte_compile(names):
        print("prepackage: a module failed to compile (see above); nothing is deployed", file=sys.stderr)
        return 1
    print(f"prepackage: byte-compiled {', '.join(names)} for Python {sys.version_info.major}.{sys.version_info.minor}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
