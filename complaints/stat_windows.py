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


FINE_LEVELS = 2  # days and 8-day buckets: kept only from the horizon on
COARSE = BASE**FINE_LEVELS  # 64 days: the horizon is a multiple of it


def buckets(first: int, last: int, lowest: int = 0) -> list[tuple[int, int]]:
    """(level, bucket) covering days first..last-1 exactly with levels from `lowest` up (first
    and last multiples of BASE**lowest), largest buckets first possible."""
    out = []
    day = max(first, 0)
    last = min(last, END)
    while day < last:
        level = lowest
        while level + 1 < LEVELS and day % BASE ** (level + 1) == 0 and day + BASE ** (level + 1) <= last:
            level += 1
        out.append((level, day // BASE**level))
        day += BASE**level
    return out


@dataclass(frozen=True)
class Window:
    buckets: list[tuple[int, int]]
    edges: list[tuple[datetime, datetime]]  # [from, to) counted from the complaints


def window(since: datetime | None, until: datetime | None, zone: ZoneInfo, horizon: int = 0) -> Window:
    """The buckets of the whole days in [since, until) and the edges left to count from the
    complaints: parts of a day at either end and, before the horizon (where only buckets of 64
    days and more are kept), the days outside whole 64-day buckets."""
    if since is not None and until is not None and until <= since:
        return Window([], [])
    first = 0 if since is None else day_number(since, zone)
    last = END if until is None else day_number(until, zone)
    edges: list[tuple[datetime, datetime]] = []
    if since is not None and since != midnight(first, zone):
        first += 1  # the rest of since's day is an edge
        edges.append((since, midnight(first, zone) if until is None else min(midnight(first, zone), until)))
    if until is not None and until != midnight(last, zone) and (since is None or since <= midnight(last, zone)):
        edges.append((midnight(last, zone), until))
    out: list[tuple[int, int]] = []
    if first < min(last, horizon):
        stop = min(last, horizon)
        up, down = -(-first // COARSE) * COARSE, stop // COARSE * COARSE
        if up >= down:
            edges.append((midnight(first, zone), midnight(stop, zone)))
        else:
            edges += [(midnight(first, zone), midnight(up, zone)), (midnight(down, zone), midnight(stop, zone))]
            out += buckets(up, down, FINE_LEVELS)
        first = stop
    out += buckets(first, last)
    return Window(out, _joined(edges))


def _joined(edges: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Adjacent or overlapping edges as one."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(edges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif start < end:
            out.append((start, end))
    return out
