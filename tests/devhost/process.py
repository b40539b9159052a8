"""`python -m devhost` as a subprocess, for the end-to-end tests: start, wait until it answers, SIGKILL, restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from cppcancel.settings import SETTING_NAMES, STORAGE_SETTING_NAMES
from devhost import processes
from devhost.functions.loader import REPO_ROOT
from tests.devhost.conftest import fetch

READY = "Ready. Ctrl+C to stop."

# Settings a developer's shell might carry that would point a test's dev host somewhere else.
_SCRUBBED = (*SETTING_NAMES, *STORAGE_SETTING_NAMES)


class DevHostProcess:
    def __init__(self, *, app: str, port: int, data_dir: Path, env: Mapping[str, str], log_path: Path) -> None:
        self.app, self.port, self.data_dir, self.log_path = app, port, data_dir, log_path
        self.env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        self.env.update(env)
        self.env["PYTHONUNBUFFERED"] = "1"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> None:
        self.starts += 1
        command = [
            sys.executable,
            "-m",
            "devhost",
            "--app",
            self.app,
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--no-local-settings",
        ]
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(command)}\n".encode())
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the dev host exited with {self.process.returncode}:\n{self.log()[-6000:]}")
            try:
                answering = fetch("GET", f"{self.origin}/admin/host/status", timeout=1).status == 200
            except OSError:
                answering = False
            if answering and self.log().count(READY) >= self.starts:  # the banner is out too
                return
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the dev host did not answer within {timeout} s:\n{self.log()[-6000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or a pulled plug on the worker."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        processes.stop(self.process)
        self.process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
