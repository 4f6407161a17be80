"""At most GEO_OUTBOUND_PER_TENANT outbound requests on the wire at once per tenant (an intake
key's subscriptions, an agency's senders), across every worker process and node: slots in the
shared cache (Redis), so ten hanging receivers of one tenant hold its few slots, not the
workers every other tenant needs. A job that finds no free slot is queued again a moment later
(jobs.busy) instead of waiting in a worker.

A slot is a member of a sorted set scored by its expiry, taken and counted in one script: a
holder that dies (SIGKILL, a lost node) frees its slot when the lease runs out. With Redis away
the slots are counted in this process (limits then hold per process), never switched off, and
never an error for the sender.
"""

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.db import connection

log = logging.getLogger(__name__)
MARGIN_S = 5.0

# KEYS: the tenant's set; ARGV: the limit, the lease in ms, the holder's token. Redis's own clock,
# so nodes whose clocks differ agree on when a lease ends.
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
_scripts: dict = {}
_local: dict[str, int] = {}
_local_lock = threading.Lock()
_warned_at = -1e9


def _redis():
    client = getattr(caches["default"], "client", None)
    if not hasattr(client, "get_client"):
        return None, None
    raw = client.get_client(write=True)
    found = _scripts.get(id(raw))
    if found is None or found[0] is not raw:
        found = _scripts[id(raw)] = (raw, raw.register_script(TAKE))
    return raw, found[1]


def lease_s() -> float:
    """How long a slot is held at most: one request's whole time and the bookkeeping around it."""
    return settings.GEO_DELIVERY_CONNECT_TIMEOUT_S + settings.GEO_DELIVERY_TIMEOUT_S + MARGIN_S


@contextmanager
def held(tenant: str | None) -> Iterator[bool]:
    """A slot of `tenant` for the block: yields False (and holds nothing) when all are taken."""
    limit = settings.GEO_OUTBOUND_PER_TENANT
    if tenant is None or limit <= 0:
        yield True
        return
    # Per database: test runs and deployments that share one Redis count apart.
    key = caches["default"].make_key(f"outbound:{connection.settings_dict['NAME']}:{tenant}")
    token = uuid.uuid4().hex
    shared = None
    try:
        shared, take = _redis()
        if take is None:
            raise LookupError("no Redis behind the cache")
        got = bool(take(keys=[key], args=[limit, int(lease_s() * 1000), token]))
    except Exception as exc:  # Redis away: count in this process
        _warn(exc)
        shared = None
        got = _take_local(key, limit)
    try:
        yield got
    finally:
        if got:
            _give_back(shared, key, token)


def _warn(exc: Exception) -> None:
    global _warned_at
    if time.monotonic() - _warned_at > 60:  # a line a minute, not one per request
        _warned_at = time.monotonic()
        log.warning("outbound slots counted per process: the shared cache is away (%s)", type(exc).__name__)


def _give_back(shared, key: str, token: str) -> None:
    if shared is None:
        with _local_lock:
            _local[key] -= 1
        return
    try:
        shared.zrem(key, token)
    except Exception:  # the lease runs out by itself
        log.warning("outbound slot %s left to expire", key)


def _take_local(key: str, limit: int) -> bool:
    with _local_lock:
        if _local.get(key, 0) >= limit:
            return False
        _local[key] = _local.get(key, 0) + 1
        return True


def taken(tenant: str) -> int:
    """Slots of `tenant` held now (for tests and operators' checks)."""
    shared, _ = _redis()
    key = caches["default"].make_key(f"outbound:{connection.settings_dict['NAME']}:{tenant}")
    return int(shared.zcard(key)) if shared is not None else _local.get(key, 0)
