"""Timing shared by the benchmarks: the machine is shared and noisy, so medians, not minima or means."""

import statistics
import time


def median_seconds(fn, repeat=3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
