"""Rate counting a share at a time (access.throttling.Leases): never over the rate, and refused
early by at most one share per process."""

import pytest

from access import throttling


@pytest.fixture
def counters(settings):
    # The process's own counters (no Redis here): the lease logic is the same over either store.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "leases-test"},
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "leases-local"},
    }
    from django.core.cache import caches

    caches["default"].clear()
    throttling.leases.clear()
    yield
    throttling.leases.clear()


def test_one_process_gets_exactly_its_rate(counters):
    now = 1_000_000 * 60.0 + 1.0  # the start of a minute: the previous window is empty
    allowed = sum(throttling.spend("ip", "10.0.0.1", 1, "1000/min", now=now) is None for _ in range(1200))
    assert allowed == 1000


def test_two_processes_are_refused_at_most_a_share_each_early_and_never_let_over(counters, monkeypatch):
    now = 2_000_000 * 60.0 + 1.0
    first, second = throttling.Leases(), throttling.Leases()
    allowed = 0
    for k in range(1200):
        monkeypatch.setattr(throttling, "leases", first if k % 2 else second)
        allowed += throttling.spend("key", "k1", 1, "1000/min", now=now) is None
    # A share is 1000 // 200 = 5 units: each process may hold up to 4 unspent.
    assert 1000 - 2 * 5 <= allowed <= 1000


def test_a_costly_request_is_charged_exactly(counters):
    now = 3_000_000 * 60.0 + 1.0
    assert throttling.spend("ip", "10.0.0.2", 990, "1000/min", now=now) is None
    assert throttling.spend("ip", "10.0.0.2", 11, "1000/min", now=now) is not None
    assert throttling.spend("ip", "10.0.0.2", 10, "1000/min", now=now) is None
    assert throttling.spend("ip", "10.0.0.2", 1, "1000/min", now=now) is not None
