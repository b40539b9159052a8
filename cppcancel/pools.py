"""Small thread pools shared for the life of the worker, made on first use (a cold start that never needs one never
pays for it): one per purpose, named so that a thread dump says what each thread is for."""

from __future__ import annotations

import concurrent.futures
import functools


@functools.cache
def shared_pool(name: str, max_workers: int) -> concurrent.futures.ThreadPoolExecutor:
    """The pool `name` (its threads are named after it)."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
