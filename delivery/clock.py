"""The time deliveries are decided by: the system's, or a hand-moved one in tests."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone


class SystemClock:
    def now(self) -> datetime:
        return timezone.now()


class ManualClock:
    """Stands still until moved, so back-off and windows are tested without waiting."""

    def __init__(self, start: datetime | None = None):
        self.current = start or timezone.now()

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


_clock: SystemClock | ManualClock = SystemClock()


def now() -> datetime:
    return _clock.now()


@contextmanager
def using(clock: SystemClock | ManualClock) -> Iterator[SystemClock | ManualClock]:
    global _clock
    previous, _clock = _clock, clock
    try:
        yield clock
    finally:
        _clock = previous
