"""Azurite, Microsoft's Azure Storage emulator (its Table service), for the record store's tests and benchmark.

`make test` installs the pinned npm package under tools/azurite/ (Node.js is a prerequisite, said in the README).
A missing Azurite fails the tests with a message saying how to get it: those tests are never skipped, because the
Azure Tables backend is the one production runs on. Azurite listens on loopback only, keeps nothing on disk, and
runs with its telemetry off (nothing leaves the machine).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from devhost import processes

ROOT = Path(__file__).resolve().parents[2]
AZURITE_TABLE = ROOT / "tools" / "azurite" / "node_modules" / ".bin" / "azurite-table"
# The development storage account Azurite serves. Its key is the well-known, published emulator key (Microsoft's
# Azurite docs print it), not a secret of anyone's.
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def missing_reason() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed: Azurite (the Azure Storage emulator these tests need) runs on Node.js 18+."
    if not AZURITE_TABLE.exists():
        return f"Azurite is not installed at {AZURITE_TABLE}: run `make test` (it runs `npm ci` in tools/azurite)."
    return None


def connection_string(port: int) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
        f"TableEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Azurite:
    """One Azurite Table service on a free loopback port, in memory, with telemetry off (no network)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self._log = workdir / "azurite.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed executable from our pinned npm install
            [
                str(AZURITE_TABLE),
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                str(self.port),
                "--inMemoryPersistence",
                "--disableTelemetry",
                "--silent",
            ],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=self._log.open("wb"),  # a file, not a pipe: nobody reads it while Azurite runs
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self._log.read_text(errors="replace")
                raise RuntimeError(f"Azurite exited with {self.process.returncode}: {err[-2000:]}")
            if self._answers():
                return
            time.sleep(0.1)  # polling a starting process, not a test's synchronisation
        self.stop()
        raise RuntimeError(f"Azurite did not answer on port {self.port} within {timeout} s")

    def _answers(self) -> bool:
        """Ready means it answers HTTP (a listening socket comes first; requests then could still fail)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{DEV_ACCOUNT}/Tables", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # refused without credentials: it is serving
        except OSError:
            return False

    @property
    def connection_string(self) -> str:
        return connection_string(self.port)

    def stop(self) -> None:
        processes.stop(self.process)
        self.process = None
