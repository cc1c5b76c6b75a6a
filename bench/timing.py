"""Timing shared by the bench scripts (run as `python bench/x.py`, so this folder is on sys.path)."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], reps: int) -> tuple[list[float], Any]:
    """Seconds of each of `reps` calls and the last result; as timeit does, collect first and keep the garbage
    collector out of the timed call."""
    times, result = [], None
    for _ in range(reps):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return times, result


def median_timed(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    """Median seconds over `reps` calls, and the last result."""
    times, result = timed(fn, reps)
    return statistics.median(times), result
