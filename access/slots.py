"""Work that may run only a few at a time, across every process and node: numbered slots in the
shared cache (Redis), each taken with an atomic add and given back when the work ends. A holder
that dies mid-work frees its slot when the slot's lifetime ends (longer than a worker may run).

Heavy work takes a slot before it starts and is refused (with a time to retry) when none is free,
rather than waiting: a serving worker that waits is as lost to light requests as one that works.
With the cache away, work runs unbounded rather than not at all (logged): the rate limits still
count in each process's memory.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import caches

log = logging.getLogger(__name__)
LIFETIME_S = 130  # gunicorn's worker timeout (120 s) and a little


class Busy(Exception):
    """Every slot is taken: retry after `wait` seconds."""

    def __init__(self, name: str, wait: int):
        super().__init__(f"{name}: every slot is busy")
        self.name = name
        self.wait = wait


def _take(name: str, count: int, holder: str) -> str | None:
    """The cache key of a free slot, now ours; None when all are taken; "" when the cache is away."""
    cache = caches["default"]
    try:
        for number in range(max(1, count)):
            key = f"slot:{name}:{number}"
            if cache.add(key, holder, LIFETIME_S):
                return key
    except Exception as exc:
        log.warning("slots unavailable (%s: %s); %s runs unbounded", type(exc).__name__, exc, name)
        return ""
    return None


def _give_back(key: str) -> None:
    if key:
        try:
            caches["default"].delete(key)
        except Exception as exc:  # the slot frees itself at the end of its lifetime
            log.warning("slot %s not released (%s)", key, type(exc).__name__)


def all_taken(name: str, count: int) -> bool:
    """Whether every slot is taken now (a hint for refusing early; held() decides)."""
    try:
        keys = [f"slot:{name}:{number}" for number in range(max(1, count))]
        return len(caches["default"].get_many(keys)) >= len(keys)
    except Exception:
        return False


@contextmanager
def held(name: str, count: int, wait: int = 2, holder: str = "") -> Iterator[None]:
    """Run the block in one of `count` slots called `name`; Busy(wait) when none is free."""
    key = _take(name, count, holder or "1")
    if key is None:
        raise Busy(name, wait)
    try:
        yield
    finally:
        _give_back(key)
