"""Response and resolution times as counts per logarithmic bucket: a sketch that adds and
subtracts, so the aggregates keep it exact as complaints change, and from which a median or a
90th percentile is read.

Bucket 0 holds times under a minute (and any negative one); bucket b >= 1 holds
[MINUTE * GAMMA**(b-1), MINUTE * GAMMA**b) hours; the last also holds everything longer. The
estimate lies in the same bucket as the exact percentile_cont of the same times (docs/statistics.md
states the error), interpolated on a logarithmic scale inside it.
"""

import math
from collections.abc import Mapping, Sequence

import numpy as np

MINUTE = 1 / 60  # hours
GAMMA = 1.12
BUCKETS = 136  # the last starts past eight years


def bucket_sql(hours: str) -> str:
    """The bucket of an hours expression, in SQL (NULL stays NULL)."""
    return (
        f"CASE WHEN ({hours}) IS NULL THEN NULL WHEN ({hours}) < {MINUTE!r} THEN 0"
        f" ELSE least({BUCKETS - 1}, 1 + floor(ln(({hours}) / {MINUTE!r}) / ln({GAMMA!r})))::int END"
    )


def bounds(b: int) -> tuple[float, float]:
    if b == 0:
        return 0.0, MINUTE
    return MINUTE * GAMMA ** (b - 1), MINUTE * GAMMA**b


def _order_statistic(ordered: list[tuple[int, int]], rank: int) -> float:
    """The rank-th smallest time (0-based), spread over its bucket evenly on a log scale."""
    seen = 0
    for b, c in ordered:
        if rank < seen + c:
            low, high = bounds(b)
            share = (rank - seen + 0.5) / c
            if b == 0:
                return low + (high - low) * share
            return low * math.exp(math.log(high / low) * share)
        seen += c
    return bounds(ordered[-1][0])[0]


def percentile(counts: Mapping[int, int], p: float) -> float | None:
    """The p-th percentile (0..1) as percentile_cont places it: between the two times around rank
    p * (n - 1), each estimated inside its own bucket."""
    ordered = sorted((b, c) for b, c in counts.items() if c > 0)
    n = sum(c for _, c in ordered)
    if n == 0:
        return None
    rank = p * (n - 1)
    below = math.floor(rank)
    low = _order_statistic(ordered, below)
    if rank == below:
        return low
    return low + (_order_statistic(ordered, below + 1) - low) * (rank - below)


def parse(texts: Sequence[str]) -> np.ndarray:
    """Histograms as text, 'c,c,...' of BUCKETS counts each, as one array (a row each)."""
    if not texts:
        return np.zeros((0, BUCKETS))
    return np.fromstring(",".join(texts), dtype=np.float64, sep=",").reshape(len(texts), BUCKETS)


def percentiles(histograms: Sequence[Sequence | None] | np.ndarray, p: float) -> list[float | None]:
    """`percentile` of many histograms (bucket counts from 0, None for none) at once."""
    if len(histograms) == 0:
        return []
    if isinstance(histograms, np.ndarray):
        counts = histograms
    else:
        counts = np.array([[c or 0 for c in h] if h else [0] * BUCKETS for h in histograms], dtype=np.float64)
    n = counts.sum(axis=1)
    cum = counts.cumsum(axis=1)
    rank = p * np.maximum(n - 1, 0)
    below = np.floor(rank)
    low = _order_statistics(counts, cum, below)
    high = _order_statistics(counts, cum, np.minimum(below + 1, np.maximum(n - 1, 0)))
    value = low + (high - low) * (rank - below)
    return [None if total == 0 else float(v) for v, total in zip(value, n)]


EDGES = np.array([bounds(b) for b in range(BUCKETS)])


def _order_statistics(counts: np.ndarray, cum: np.ndarray, rank: np.ndarray) -> np.ndarray:
    rows = np.arange(len(counts))
    b = np.minimum((cum <= rank[:, None]).sum(axis=1), BUCKETS - 1)
    before = np.where(b > 0, cum[rows, np.maximum(b - 1, 0)], 0)
    share = (rank - before + 0.5) / np.maximum(counts[rows, b], 1)
    low, high = EDGES[b, 0], EDGES[b, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = low * np.exp(np.log(high / np.where(low > 0, low, 1)) * share)
    return np.where(b == 0, low + (high - low) * share, logs)
