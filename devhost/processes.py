"""Stopping a child process the polite way first: SIGTERM, a grace period, then SIGKILL (shared by the dev host's
test harness and the Azurite launcher, so neither can leave a process behind)."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen[bytes] | None, grace_s: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace_s)
