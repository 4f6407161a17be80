"""Rate limits per intake key and per client address, weighted by what a request costs and counted
in the shared cache (Redis), so a key's rate holds across every process and node.

A rate such as "6000/min" is a budget of cost units per minute; a routing call costs 1, a page of
full-resolution polygons far more (each view says its cost). The count is a sliding window
approximated from two fixed windows (the previous window weighted by how much of it still
overlaps), with one atomic INCRBY per request: exact across processes, no lists of timestamps.

When Redis cannot be reached the count falls back to this process's memory, with a log line:
limits then hold per process (as before the shared store), never switched off, and never an
error for the caller.
"""

import contextlib
import functools
import logging
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from .auth import is_intake, keys, presented_key

log = logging.getLogger(__name__)
DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), DURATIONS[period.strip()[0]]


def _count(cache, current: str, previous: str, cost: int, duration: int) -> tuple[int, int]:
    cache.add(current, 0, timeout=2 * duration)
    used = cache.incr(current, cost)
    return used, int(cache.get(previous) or 0)


def spend(scope: str, ident: str, cost: int, rate: str, now: float | None = None) -> float | None:
    """Charge `cost` units to (scope, ident); None if within the rate, else seconds to wait."""
    limit, duration = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // duration)
    current, previous = f"rate:{scope}:{ident}:{window}", f"rate:{scope}:{ident}:{window - 1}"
    cache = caches["default"]
    try:
        used, before = _count(cache, current, previous, cost, duration)
    except Exception as exc:  # any failure of the shared store: count locally
        log.warning("rate counters unavailable (%s: %s); counting in this process", type(exc).__name__, exc)
        cache = caches["local"]
        used, before = _count(cache, current, previous, cost, duration)
    elapsed = (now % duration) / duration
    if before * (1 - elapsed) + used <= limit:
        return None
    with contextlib.suppress(Exception):  # a refused request spends nothing; the refusal stands anyway
        cache.decr(current, cost)
    return max(1.0, duration * (1 - elapsed))


def default_rate(scope: str) -> str:
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]


def charge(request, cost: int, key=None) -> float | None:
    """Charge a request to its intake key (its own rate, else the default) or else to its client
    address; None when allowed, else the seconds to wait."""
    if key is None and is_intake(request):
        key = request.user.key
    if key is not None:
        return spend("key", key.key_hash[:16], cost, key.rate or default_rate("intake_key"))
    return spend("ip", request.META.get("REMOTE_ADDR", ""), cost, default_rate("ip"))


def view_cost(request, view) -> int:
    cost = getattr(view, "cost", 1)
    return max(1, int(cost(request) if callable(cost) else cost))


class RateThrottle(BaseThrottle):
    """DRF's view of charge(): intake systems by key, everyone else by client address."""

    def allow_request(self, request, view):
        self._wait = charge(request, view_cost(request, view))
        return self._wait is None

    def wait(self):
        return self._wait


def limited(cost, refuse):
    """Rate limit for plain Django views (OGC, tiles, Open311): `cost` is units or a function of
    the request; `refuse(request, wait, **view_kwargs)` answers in the endpoint's own error shape. A key
    presented as a bearer token or X-API-Key is charged instead of the address."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            presented = presented_key(request)
            key = keys.lookup(presented) if presented else None
            units = cost(request) if callable(cost) else cost
            wait = charge(request, max(1, int(units)), key=key)
            if wait is not None:
                response = refuse(request, wait, **kwargs)
                response["Retry-After"] = str(int(wait))
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
