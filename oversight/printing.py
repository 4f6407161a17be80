"""Printing the monthly report is the heaviest work a page can start (WeasyPrint; its cost per copy
is in docs/oversight.md): a printed report is kept for a few minutes, so repeating the request
reprints nothing, and at most PRINTERS reports are printed at once across every process and node
(slots in the shared cache). With the cache away, reports print uncached and unbounded rather than
not at all: only signed-in executives and operators can ask."""

from collections.abc import Callable

from django.core.cache import cache

from access import slots

KEPT_SECONDS = 300
PRINTERS = 2


class Busy(Exception):
    """Every printer is busy: try again in a few seconds."""


def printed(key: str, render: Callable[[], bytes]) -> bytes:
    try:
        kept = cache.get(f"oversight:pdf:{key}")
    except Exception:  # the shared cache is away: print without it
        return render()
    if kept is not None:
        return kept
    try:
        with slots.held("oversight:printer", PRINTERS, holder=key):
            pdf = render()
    except slots.Busy:
        raise Busy(key) from None
    cache.set(f"oversight:pdf:{key}", pdf, KEPT_SECONDS)
    return pdf
