#!/usr/bin/env python3
"""azd's prepackage hook for the `api` service: byte-compile the function app before it is zipped.

A cold worker imports the whole app before it can answer Slack (3 s). The libraries come byte-compiled (pip
compiles them at install), the app's own ~20,000 lines would not: on a package mount Python cannot write
`__pycache__`, so every cold start would compile them from source again (benchmarks figure 2 measured about 100 ms
of it on the development machines). The `.pyc` files are written with `--invalidation-mode checked-hash`: Python
uses one only while its source's hash matches, so a stale file is never used, whatever the zip does to mtimes; and
files of another Python version are ignored. `.funcignore` therefore keeps `__pycache__` in the package.

    python3 infra/hooks/prepackage.py            # as azure.yaml runs it
    python3 infra/hooks/prepackage.py devhost    # and other folders too (the cold-start benchmark)
"""

from __future__ import annotations

import compileall
import py_compile
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

#: What the deployed function app imports from the repository (the rest is excluded by .funcignore).
APP_SOURCES = (
    "function_app.py",
    "durable_registration.py",
    "cancel_function",
    "poll_function",
    "slack_app",
    "cppcancel",
    "partner_portal",
    "product_ingestion",
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


def main(argv: Sequence[str]) -> int:
    names = (*APP_SOURCES, *argv)
    if not byte_compile(names):
        print("prepackage: a module failed to compile (see above); nothing is deployed", file=sys.stderr)
        return 1
    print(f"prepackage: byte-compiled {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
