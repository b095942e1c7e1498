"""Pause Python's cyclic garbage collector around bulk reads.

Reading a whole program (compliance) or every response to a quiz (item analysis) creates hundreds of
thousands of small, acyclic objects; the collector kept re-scanning them and took up to half the time
(measured in bench/). Reference counting still frees them; the collector runs again afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
