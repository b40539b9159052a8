"""What the benchmarks say to the app: who asks, where, about which offer, under which policy and settings.

Shared by the in-process ack-latency run and the cold-start children so that both send the very same command.
The offer is the emulator's `contoso/contoso-vm-offer`: a publish in flight, so `/cpp cancel` reads the CPP (the
submissions list, then the in-flight operation's own record) and answers with a Confirm button.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from cppcancel.settings import SETTING_NAMES, STORAGE_SETTING_NAMES, reset_settings_cache

USER = "U0BENCH"
CHANNEL = "C0BENCH"
PUBLISHER = "contoso"
OFFER = "contoso-vm-offer"
COMMAND = f"/cpp cancel {PUBLISHER} {OFFER}"
CONFIRM_ACTION = "confirm_cancel"
BOT_TOKEN = "xoxb-benchmark-standin"  # noqa: S105 - a dummy only the local Slack stand-in accepts

# Every setting the app reads that a developer's shell (or local.settings.json) might point elsewhere.
APP_SETTINGS = (*SETTING_NAMES, *STORAGE_SETTING_NAMES)


def policy_json() -> str:
    """Allow the benchmark's user to cancel anything of the publisher (the check still runs in full)."""
    return json.dumps({"rules": [{"publishers": [PUBLISHER], "offers": ["*"], "users": [USER]}]})


def signing_secret() -> str:
    return secrets.token_hex(16)


def clean_environ(base: Mapping[str, str]) -> dict[str, str]:
    """`base` without any of the app's settings."""
    return {k: v for k, v in base.items() if k not in APP_SETTINGS}


@contextmanager
def isolated_environ(values: Mapping[str, str]) -> Iterator[None]:
    """The app's settings set to exactly `values` for the block (the dev host adds its own), then restored.

    The dev host writes what it decides (emulator URLs, tokens) into os.environ, and the app caches its settings:
    both are undone afterwards so that the next benchmark - or test - in the process starts clean.
    """
    before = dict(os.environ)
    try:
        for name in APP_SETTINGS:
            os.environ.pop(name, None)
        os.environ.update(values)
        reset_settings_cache()
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)
        reset_settings_cache()
