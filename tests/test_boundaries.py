"""The shape issue #23 asked for, held: a target is a type and a backend a package, so the deployed app's code
outside the backends never names a configure job's ID nor asks which kind of target it holds, and the Product
Ingestion backend stands on the shared HTTP pieces, never on the Cloud Partner Portal's."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What the function app deploys (infra/hooks/prepackage.py: APP_SOURCES).
DEPLOYED = ("function_app.py", "durable_registration.py", "durable_bridge.py", "bytecode_report.py")
PACKAGES = ("cppcancel", "cancel_function", "poll_function", "slack_app", "teams_app", "record_store", "backends")

# Where a target's kind may be known: the targets themselves, the backends, and the record's row mapping (its
# `job_id` column and the rows kept by a job's ID: a request's record, the locks, registrations, a job's reads).
MAY_NAME_A_JOB = (
    "backends/",
    "cppcancel/targets.py",
    "record_store/records.py",
    "record_store/locks.py",
    "record_store/keys.py",
    "record_store/jobs.py",
    "record_store/job_reads.py",
    "record_store/base.py",
)
# The one route of one API's own: a pipeline registers the configure job it started (POST /api/webhooks/jobs).
MAY_IMPORT_A_BACKEND = {"cancel_function/job_routes.py": ("backends.ingestion.registrations",)}

JOB_ID = re.compile(r"\bjob_id\b|\bis_job\b|\bJOB_KIND\b")
KIND_BRANCH = re.compile(
    r"isinstance\([^)]*\b(PublishTarget|JobTarget|SubmissionTarget|CppBackend|IngestionBackend|SubmissionBackend)\b"
    r"|\btarget\.kind\s*(==|!=|\bin\b)"
    r"|\bkind\s*(==|!=)\s*[\"'](publish|job|submission)[\"']"
)


def deployed_modules() -> list[Path]:
    files = [ROOT / name for name in DEPLOYED]
    for package in PACKAGES:
        files.extend(sorted((ROOT / package).rglob("*.py")))
    return files


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_check_reads_the_whole_deployed_app() -> None:
    names = {relative(p) for p in deployed_modules()}
    assert "cancel_function/exactly_once.py" in names and "slack_app/listeners/lookup.py" in names
    assert "backends/ingestion/backend.py" in names and len(names) > 100


def test_outside_the_targets_backends_and_record_no_module_names_a_job_id() -> None:
    offenders = [
        f"{relative(path)}:{n}: {line.strip()}"
        for path in deployed_modules()
        if not relative(path).startswith(MAY_NAME_A_JOB)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if JOB_ID.search(line)
    ]
    assert offenders == []


def test_outside_the_backends_no_module_branches_on_the_kind_of_target_or_backend() -> None:
    offenders = [
        f"{relative(path)}:{n}: {line.strip()}"
        for path in deployed_modules()
        if not relative(path).startswith(("backends/", "cppcancel/targets.py", "record_store/"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if KIND_BRANCH.search(line)
    ]
    assert offenders == []


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_outside_the_backends_a_backend_is_reached_only_through_the_registry() -> None:
    specific = ("backends.cpp", "backends.ingestion", "backends.submission")
    offenders = {
        relative(path): sorted(
            name
            for name in _imports(path)
            if name.startswith(specific) and name not in MAY_IMPORT_A_BACKEND.get(relative(path), ())
        )
        for path in deployed_modules()
        if not relative(path).startswith("backends/")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_ingestion_backend_imports_nothing_of_the_cpps() -> None:
    modules = sorted((ROOT / "backends" / "ingestion").rglob("*.py"))
    assert modules, "the ingestion backend is where it should be"
    written = {relative(p): sorted(n for n in _imports(p) if n.startswith("backends.cpp")) for p in modules}
    assert {name: found for name, found in written.items() if found} == {}
    code = (
        "import json, sys\n"
        "import backends.ingestion.backend, backends.ingestion.client, backends.ingestion.pace\n"
        "import backends.ingestion.access, backends.ingestion.registrations, backends.ingestion.words\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('backends.cpp'))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout) == [], "importing the ingestion backend loads the CPP's"


def test_the_submission_backend_imports_only_the_shared_pieces_and_the_core() -> None:
    """`backends/submission/` stands on `backends.http` and `cppcancel` (and `backends.base`/`registry`), never on
    another API's package, and importing the whole of it loads neither."""
    modules = sorted((ROOT / "backends" / "submission").rglob("*.py"))
    assert len(modules) >= 10, "the submission backend is where it should be"
    others = ("backends.cpp", "backends.ingestion", "submission_api")
    written = {relative(p): sorted(n for n in _imports(p) if n.startswith(others)) for p in modules}
    assert {name: found for name, found in written.items() if found} == {}
    code = (
        "import json, sys\n"
        "import backends.submission.backend, backends.submission.client, backends.submission.reads\n"
        "import backends.submission.words, backends.submission.tokens, backends.submission.urls\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('backends.cpp', 'backends.ingestion')))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout) == [], "importing the submission backend loads another API's"
