"""Fixtures of the stand-ins' own tests: those of the clients that talk to them (one definition each).

The CPP emulator's tests drive it through the CPP client, with the session emulator on a manual clock; the Product
Ingestion stand-in's and the submission API stand-in's through a plain HTTP client.
"""

from tests.backends.cpp.conftest import _shared_clock, _shared_emulator, client, clock, emulator
from tests.backends.ingestion.conftest import standin
from tests.backends.submission.conftest import _shared_submission_standin, submission_standin

__all__ = [
    "_shared_clock",
    "_shared_emulator",
    "_shared_submission_standin",
    "client",
    "clock",
    "emulator",
    "standin",
    "submission_standin",
]
