"""Values derived from the active boundary generations, computed once per generation and kept in
the shared cache (Redis) for every process: the cache key holds the active generations, so
activating a new one is the invalidation. When the cache is away, values are computed again
(logged), never an error."""

import contextlib
import hashlib
import logging

from django.core.cache import caches

from .models import Generation

log = logging.getLogger(__name__)
TTL_S = 7 * 24 * 3600


def generations() -> tuple[str, float]:
    """The active generations as a key token, and when the newest was activated (epoch seconds)."""
    rows = sorted(Generation.objects.filter(active=True).values_list("layer", "id", "activated_at"))
    token = ",".join(f"{layer}:{gid}" for layer, gid, _ in rows)
    newest = max((at.timestamp() for *_, at in rows if at), default=0.0)
    return token, newest


def digest(name: str, token: str) -> str:
    return hashlib.sha256(f"{name}|{token}".encode()).hexdigest()[:32]


def get(key: str):
    try:
        return caches["default"].get(key)
    except Exception as exc:  # the cache only saves work: compute instead
        log.warning("shared cache unavailable (%s); computing", type(exc).__name__)
        return None


def put(key: str, value) -> None:
    try:
        caches["default"].set(key, value, timeout=TTL_S)
    except Exception as exc:
        log.warning("shared cache unavailable (%s); not stored", type(exc).__name__)


def value(name: str, compute, token: str | None = None, cold=None):
    """compute() once per set of active generations. `cold`: a context manager factory around
    compute() when the value is not in the cache (a guard that may refuse: api/heavy_reads.py)."""
    token = generations()[0] if token is None else token
    key = f"gen:{digest(name, token)}"
    found = get(key)
    if found is None:
        with cold() if cold is not None else contextlib.nullcontext():
            found = get(key)  # drawn meanwhile by the request that held the slot before
            if found is None:
                found = compute()
                put(key, found)
    return found
