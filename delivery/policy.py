"""Retry policy: which outcomes are retried, when, and when to give up. Plain Python; the time is
passed in, so it is tested with any clock."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from .outcome import Outcome

DELIVERED, RETRY, DEAD = "delivered", "retry", "dead"
# Worth another try: the receiver was slow, overloaded or failing, not refusing this request.
RETRY_STATUSES = frozenset({408, 425, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class Decision:
    verdict: str  # delivered | retry | dead
    reason: str = ""  # for dead: rejected | expired | config
    message: str = ""
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class RetryPolicy:
    window: timedelta = timedelta(hours=24)
    base_s: float = 10.0
    cap_s: float = 1800.0

    @classmethod
    def from_settings(cls) -> "RetryPolicy":
        from django.conf import settings

        return cls(
            window=timedelta(hours=settings.GEO_DELIVERY_WINDOW_HOURS),
            base_s=settings.GEO_DELIVERY_BACKOFF_BASE_S,
            cap_s=settings.GEO_DELIVERY_BACKOFF_CAP_S,
        )

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Exponential with "equal jitter": between half and all of base * 2^(attempt-1), capped, so
        receivers coming back are not hit by every sender at the same instant."""
        ceiling = min(self.cap_s, self.base_s * 2 ** max(attempt - 1, 0))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)

    def judge(
        self, outcome: Outcome, *, attempt: int, window_start: datetime, now: datetime, rng: random.Random | None = None
    ) -> Decision:
        if outcome.ok:
            return Decision(DELIVERED)
        message = outcome.describe()
        if outcome.status is not None and not outcome.error:
            retryable = outcome.status in RETRY_STATUSES
        else:
            retryable = outcome.transient
        if not retryable:
            return Decision(DEAD, "config" if outcome.config_problem else "rejected", message)
        delay = self.backoff(attempt, rng)
        if outcome.retry_after is not None:
            delay = max(delay, outcome.retry_after)  # never sooner than the receiver asked
        at = now + timedelta(seconds=delay)
        if at > window_start + self.window:
            return Decision(DEAD, "expired", f"gave up after {attempt} attempts over {self.window}: {message}")
        return Decision(RETRY, "", message, at)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)
