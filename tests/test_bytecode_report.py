"""bytecode_report: the worker's own account of whether the package's byte code survived the build.

Run in fresh interpreters over a small package, once byte-compiled the way infra/hooks/prepackage.py does it and once
without: that is the difference a remote build that dropped `__pycache__` would make on the read-only mount.
"""

from __future__ import annotations

import compileall
import os
import py_compile
import subprocess
import sys
from pathlib import Path

import bytecode_report

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s", stream=sys.stdout)
sys.path.insert(0, sys.argv[1])
import shipped_app.one, shipped_app.two, json  # a library module is not the app's
from bytecode_report import bytecode_report
from pathlib import Path
report = bytecode_report(app_root=Path(sys.argv[1]))
logging.getLogger("cppcancel.bytecode").info(report.line())
"""


def _app(tmp_path: Path, *, compiled: bool) -> Path:
    package = tmp_path / "shipped_app"
    package.mkdir()
    for name in ("__init__", "one", "two"):
        (package / f"{name}.py").write_text(f"NAME = {name!r}\n")
    if compiled:
        compileall.compile_dir(package, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return tmp_path


def _report(app_root: Path) -> str:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)}  # like a read-only mount
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(app_root)], capture_output=True, text=True, timeout=60, env=env, check=True
    )
    return run.stdout.strip()


def test_a_package_whose_byte_code_survived_says_so(tmp_path: Path) -> None:
    line = _report(_app(tmp_path, compiled=True))
    assert line.startswith(f"cppcancel.bytecode {bytecode_report.MARKER} 3 of 3 app modules have a .pyc")
    assert sys.implementation.cache_tag in line and "the shipped byte code is in use" in line


def test_a_package_without_it_says_the_app_was_compiled_from_source(tmp_path: Path) -> None:
    line = _report(_app(tmp_path, compiled=False))
    assert f"{bytecode_report.MARKER} 0 of 3 app modules" in line and "compiled from source" in line


def test_the_function_app_logs_it_once_when_it_is_loaded() -> None:
    probe = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, format='%(name)s|%(message)s', stream=sys.stdout)\n"
        "import function_app, bytecode_report\n"
        "print('loaded|', bytecode_report.bytecode_report().total)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    lines = [line for line in run.stdout.splitlines() if line.startswith("cppcancel.bytecode|")]
    assert run.returncode == 0, run.stderr
    assert len(lines) == 1 and bytecode_report.MARKER in lines[0]
    counted = int(lines[0].split(" of ", 1)[1].split()[0])
    loaded = int(next(line for line in run.stdout.splitlines() if line.startswith("loaded|")).split()[1])
    # Indexing loads only the registries (the functions' code comes on first use), and all of those are counted;
    # the libraries (hundreds of modules under .venv) are not.
    assert counted == loaded and 5 <= counted < 60, "the app's modules loaded by function_app are counted, no library"
