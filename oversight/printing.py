"""Printing the monthly report is the heaviest work a page can start (WeasyPrint; its cost per copy
is in docs/oversight.md): a printed report is kept for a few minutes, so repeating the request
reprints nothing, and at most PRINTERS reports are printed at once across every process and node
(slots in the shared cache). With the cache away, reports print uncached and unbounded rather than
not at all: only signed-in executives and operators can ask."""

from collections.abc import Callable

from django.core.cache import cache

KEPT_SECONDS = 300
PRINTERS = 2
SLOT_SECONDS = 120  # a slot whose holder died frees itself


class Busy(Exception):
    """Every printer is busy: try again in a few seconds."""


def printed(key: str, render: Callable[[], bytes]) -> bytes:
    try:
        kept = cache.get(f"oversight:pdf:{key}")
    except Exception:  # the shared cache is away: print without it
        return render()
    if kept is not None:
        return kept
    slot = next((s for s in range(PRINTERS) if cache.add(f"oversight:printer:{s}", key, SLOT_SECONDS)), None)
    if slot is None:
        raise Busy(key)
    try:
        pdf = render()
        cache.set(f"oversight:pdf:{key}", pdf, KEPT_SECONDS)
        return pdf
    finally:
        cache.delete(f"oversight:printer:{slot}")
