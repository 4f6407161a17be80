"""A period of complaints' filing times as the aggregates' time buckets (complaints/stat_cells.py)
plus the stretches at its ends that fall inside a day, which are counted from the complaints.

Days are local days numbered from 2000-01-01. A bucket at level L holds 8**L days starting at a
multiple of 8**L, so every complaint is in one bucket per level and any run of whole days is at
most seven buckets per level at each end.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EPOCH = date(2000, 1, 1)
BASE = 8
LEVELS = 6  # 8**5 days is 89 years: the top level's one bucket holds everything
END = BASE ** (LEVELS - 1)


def day_number(moment: datetime, zone: ZoneInfo) -> int:
    return (moment.astimezone(zone).date() - EPOCH).days


def midnight(day: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(EPOCH + timedelta(days=day), time(), tzinfo=zone)


def buckets(first: int, last: int) -> list[tuple[int, int]]:
    """(level, bucket) covering days first..last-1 exactly, largest buckets first possible."""
    out = []
    day = max(first, 0)
    last = min(last, END)
    while day < last:
        level = 0
        while level + 1 < LEVELS and day % BASE ** (level + 1) == 0 and day + BASE ** (level + 1) <= last:
            level += 1
        out.append((level, day // BASE**level))
        day += BASE**level
    return out


@dataclass(frozen=True)
class Window:
    buckets: list[tuple[int, int]]
    edges: list[tuple[datetime, datetime]]  # [from, to) counted from the complaints


def window(since: datetime | None, until: datetime | None, zone: ZoneInfo) -> Window:
    first = 0 if since is None else day_number(since, zone)
    last = END if until is None else day_number(until, zone)
    edges = []
    if since is not None and since != midnight(first, zone):
        first += 1  # the rest of since's day is an edge
        edges.append((since, min(midnight(first, zone), until) if until else midnight(first, zone)))
    if until is not None and until != midnight(last, zone) and (since is None or until > since):
        start = midnight(last, zone)
        if since is None or since < start:
            edges.append((start, until))
    if since is not None and until is not None and until <= since:
        return Window([], [])
    return Window(buckets(first, last), edges)
