"""Reads that cost seconds of a worker, charged by what they cost and queued so light reads never
wait behind them (docs/statistics.md#what-a-choropleth-costs).

The statistics choropleth draws its polygons once per boundary generation and simplification and
keeps them in the shared cache; a value not drawn yet (a cold draw: the national subdistricts,
10 million vertices, take seconds of PostGIS and of the worker) is the heavy part. So:

- `simplify` is snapped to the nearest of a few fixed steps (STEPS, in log scale): a caller
  cannot defeat the cache with a new value each time, and the cold draws per generation are few;
- a cold draw takes a slot: one at a time per caller (intake key, account, else address: 429
  with Retry-After beyond) and at most GEO_HEAVY_READS across the reads pool (503 with
  Retry-After), so the pool keeps workers for light reads;
- it is charged GEO_HEAVY_READ_UNITS rate units (a tenth for one area's polygons), and every
  choropleth is charged by the bytes it sends (one unit per BYTES_PER_UNIT), in the shared limiter.
"""

import math
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from access import slots, throttling
from access.auth import intake_key_of
from geo.http.errors import ApiError

# Degrees; 0 (no simplification) only with an area (api/views/stats.py MIN_NATIONAL_SIMPLIFY).
STEPS = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
BYTES_PER_UNIT = 100_000
RETRY_S = 3


def snap(value: float) -> float:
    """The step nearest to `value` (by ratio); 0 stays 0."""
    if value <= 0:
        return 0.0
    return min(STEPS, key=lambda step: abs(math.log(value / step)))


def caller(request) -> str:
    key = intake_key_of(request)
    if key is not None:
        return f"key:{key.key_hash[:16]}"
    user = getattr(request, "user", None)
    pk = getattr(user, "pk", None)
    if getattr(user, "is_authenticated", False) and pk:
        return f"user:{pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def _refused(status: int, code: str, message: str, wait: float) -> ApiError:
    wait = max(1, math.ceil(wait))
    return ApiError(status, code, message, {"retry_after": wait}, headers={"Retry-After": str(wait)})


def cold(request, whole_country: bool):
    """A context manager factory for boundaries.cached.value(cold=...): the guard of a cold draw."""

    @contextmanager
    def guard() -> Iterator[None]:
        who = caller(request)
        try:
            with slots.held(f"heavy-read:{who}", 1, RETRY_S), slots.held("heavy-reads", settings.GEO_HEAVY_READS):
                units = settings.GEO_HEAVY_READ_UNITS if whole_country else settings.GEO_HEAVY_READ_UNITS // 10
                wait = throttling.charge(request, units)
                if wait is not None:
                    message = (
                        f"drawing polygons at a new simplification costs {units} units; this caller's rate is spent"
                    )
                    raise _refused(429, "throttled", message, wait)
                yield
        except slots.Busy as exc:
            if exc.name == "heavy-reads":
                raise _refused(503, "busy", "every worker for new drawings is busy; retry shortly", exc.wait) from None
            message = "one new drawing at a time per caller; retry when the first is done"
            raise _refused(429, "throttled", message, exc.wait) from None

    return guard


def charge_bytes(request, size: int, already: int) -> None:
    """Charge what sending `size` bytes costs beyond the `already` units the view was charged."""
    units = size // BYTES_PER_UNIT - already
    if units > 0:
        wait = throttling.charge(request, units)
        if wait is not None:
            raise _refused(
                429, "throttled", f"{size:,} bytes cost {units + already} units; this caller's rate is spent", wait
            )
