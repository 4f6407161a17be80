"""Rate limits per intake key and per client address, weighted by what a request costs and counted
in the shared cache (Redis), so a key's rate holds across every process and node.

A rate such as "6000/min" is a budget of cost units per minute; a routing call costs 1, a page of
full-resolution polygons far more (each view says its cost). The count is a sliding window
approximated from two fixed windows (the previous window weighted by how much of it still
overlaps), with one atomic INCRBY per request: exact across processes, no lists of timestamps.
In Redis the increment, the window's expiry and the read of the previous window are one script,
so a request costs one round trip to Redis, not three; and a busy client's high rate is
counted a share at a time (Leases below), so most of its requests cost none.

When Redis cannot be reached the count falls back to this process's memory, with a log line:
limits then hold per process (as before the shared store), never switched off, and never an
error for the caller.
"""

import contextlib
import functools
import logging
import threading
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


# KEYS: the current and the previous window's counters; ARGV: the cost, the counter's lifetime.
COUNT_SCRIPT = """
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {used, tonumber(redis.call('GET', KEYS[2]) or '0')}
"""
_scripts = {}


def _script(cache):
    """The counting script bound to the cache's Redis client (django-redis), or None for others."""
    client = getattr(cache, "client", None)
    if not hasattr(client, "get_client"):
        return None
    raw = client.get_client(write=True)
    found = _scripts.get(id(raw))
    if found is None or found[0] is not raw:
        found = _scripts[id(raw)] = (raw, raw.register_script(COUNT_SCRIPT))
    return found[1]


def _count(cache, current: str, previous: str, cost: int, duration: int) -> tuple[int, int]:
    script = _script(cache)
    if script is not None:
        # Same keys as the cache API's (prefix and version), and integers stored as such, so
        # cache.get/decr read and change these counters too.
        used, before = script(keys=[cache.make_key(current), cache.make_key(previous)], args=[cost, 2 * duration])
        return int(used), int(before)
    cache.add(current, 0, timeout=2 * duration)
    used = cache.incr(current, cost)
    return used, int(cache.get(previous) or 0)


def _spend_shared(scope, ident, cost, limit, duration, now) -> float | None:
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


class Leases:
    """Units this process has already counted in the shared store and not yet spent, per (scope,
    ident, window). A rate of at least 2 x LEASE_SHARE units per window is charged a share
    (1/LEASE_SHARE of it) at a time, so a busy client costs one round trip to Redis per share, not
    one per request. Units leased and left unspent at the end of a window count as spent: with P
    processes a client can be refused at most P shares early, never let over its rate. Below
    that, and for a request costing more than a share, every charge is counted in Redis at once."""

    MAX_CLIENTS = 10_000

    def __init__(self):
        self._held: dict[tuple, list] = {}
        self._lock = threading.Lock()

    def take(self, who: tuple, window: int, cost: int) -> bool:
        with self._lock:
            held = self._held.get(who)
            if held is None or held[0] != window or held[1] < cost:
                return False
            held[1] -= cost
            return True

    def hold(self, who: tuple, window: int, units: int):
        with self._lock:
            if len(self._held) >= self.MAX_CLIENTS:
                self._held.clear()
            self._held[who] = [window, units]

    def clear(self):
        with self._lock:
            self._held.clear()


LEASE_SHARE = 200
leases = Leases()


def spend(scope: str, ident: str, cost: int, rate: str, now: float | None = None) -> float | None:
    """Charge `cost` units to (scope, ident); None if within the rate, else seconds to wait."""
    limit, duration = parse_rate(rate)
    now = time.time() if now is None else now
    share = limit // LEASE_SHARE
    if share >= 2 and cost < share:
        who, window = (scope, ident, limit, duration), int(now // duration)
        if leases.take(who, window, cost):
            return None
        if _spend_shared(scope, ident, share, limit, duration, now) is None:
            leases.hold(who, window, share - cost)
            return None
        # Not a whole share left: charge this request alone, exactly.
    return _spend_shared(scope, ident, cost, limit, duration, now)


def default_rate(scope: str) -> str:
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]


def charge(request, cost: int, key=None) -> float | None:
    """Charge a request to its intake key (its own rate, else the default) or else to its client
    address; None when allowed, else the seconds to wait."""
    if key is None and is_intake(request):
        key = request.user.key
    return charge_client(key, request.META.get("REMOTE_ADDR", ""), cost)


def charge_client(key, address: str, cost: int) -> float | None:
    """Charge an intake key (its own rate, else the default) or, without one, a client address."""
    if key is not None:
        return spend("key", key.key_hash[:16], cost, key.rate or default_rate("intake_key"))
    return spend("ip", address, cost, default_rate("ip"))


def view_cost(request, view) -> int:
    cost = getattr(view, "cost", 1)
    return max(1, int(cost(request) if callable(cost) else cost))


# Set on a request already charged (a fast path that handed the request on to DRF): its result.
CHARGED = "geo_charged"
NOT_CHARGED = object()


class RateThrottle(BaseThrottle):
    """DRF's view of charge(): intake systems by key, everyone else by client address."""

    def allow_request(self, request, view):
        wait = getattr(request._request, CHARGED, NOT_CHARGED)
        self._wait = charge(request, view_cost(request, view)) if wait is NOT_CHARGED else wait
        return self._wait is None

    def wait(self):
        return self._wait


def charge_presented(request, units: int) -> float | None:
    """charge() for plain Django views: the key presented as a bearer token or X-API-Key, else the
    client address. Also for a cost known only once the view knows its answer (bytes of a file)."""
    presented = presented_key(request)
    key = keys.lookup(presented) if presented else None
    return charge(request, max(1, int(units)), key=key)


def limited(cost, refuse):
    """Rate limit for plain Django views (OGC, tiles, Open311): `cost` is units or a function of
    the request; `refuse(request, wait, **view_kwargs)` answers in the endpoint's own error shape. A key
    presented as a bearer token or X-API-Key is charged instead of the address."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            units = cost(request) if callable(cost) else cost
            wait = charge_presented(request, units)
            if wait is not None:
                response = refuse(request, wait, **kwargs)
                response["Retry-After"] = str(int(wait))
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
