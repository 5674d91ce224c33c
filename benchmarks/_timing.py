"""Timing helpers: many short paired rounds, best rate of each, median of paired ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


def rate(fn: Callable[[], object], loops: int) -> float:
    """Operations per second of ``fn`` over one round of ``loops`` calls."""
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return loops / (time.perf_counter() - start)


@dataclass(frozen=True)
class Comparison:
    ours: float  # best rate of ours, per second
    baseline: float  # best rate of the baseline, per second
    ratio: float  # median over rounds of ours / baseline measured back to back


def compare(
    ours: Callable[[], object], baseline: Callable[[], object], *, loops: int, rounds: int
) -> Comparison:
    """Measure two contenders in alternating short rounds.

    The machines this runs on are shared virtual machines whose speed drifts by tens
    of percent within seconds. Each round times both contenders back to back, so
    the ratio of one round compares them under the same conditions; the median of
    those ratios is the figure to read, the best rates show what each can do.
    """
    ours(), baseline()  # warm caches and lazy imports outside the timed rounds
    ratios, best_ours, best_base = [], 0.0, 0.0
    for index in range(rounds):
        # Alternate which contender goes first, so neither always gets the warmer turn.
        if index % 2:
            base_rate, our_rate = rate(baseline, loops), rate(ours, loops)
        else:
            our_rate, base_rate = rate(ours, loops), rate(baseline, loops)
        ratios.append(our_rate / base_rate)
        best_ours, best_base = max(best_ours, our_rate), max(best_base, base_rate)
    return Comparison(best_ours, best_base, statistics.median(ratios))
