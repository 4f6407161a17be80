"""Query-parameter parsing shared by every protocol: errors name the parameter and say what is
expected, and each protocol renders a ParamError in its own error shape (native, OGC, Open311)."""

import math
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses anything past ±15:59.
MAX_UTC_OFFSET = timedelta(hours=14)


class ParamError(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = f"{name}: {message}"


def bad(name: str, message: str) -> ParamError:
    return ParamError(name, message)


def integer(params, name: str, default=None, minimum=None, maximum=None):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad(name, f"expected an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise bad(name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise bad(name, f"must be at most {maximum}")
    return value


def number(params, name: str, default=None, minimum=None, maximum=None):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise bad(name, f"expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise bad(name, "must be a finite number")
    if minimum is not None and value < minimum:
        raise bad(name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise bad(name, f"must be at most {maximum}")
    return value


def choice(params, name: str, choices, default=None):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if raw not in choices:
        raise bad(name, f"expected one of {', '.join(choices)}, got {raw!r}")
    return raw


def bbox(params, name: str = "bbox"):
    """minlon,minlat,maxlon,maxlat in WGS 84 degrees."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise bad(name, "expected minlon,minlat,maxlon,maxlat")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise bad(name, f"expected four numbers, got {raw!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise bad(name, "coordinates must be finite numbers")
    minlon, minlat, maxlon, maxlat = values
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= 90 and -90 <= maxlat <= 90):
        raise bad(name, "longitudes must be within ±180 and latitudes within ±90")
    if minlon > maxlon or minlat > maxlat:
        raise bad(name, "min must not exceed max (order: minlon,minlat,maxlon,maxlat)")
    return values


def parse_moment(text: str, *, require_zone: bool = False) -> datetime | None:
    """An ISO 8601 date-time the database can store, or None. Without a zone: Asia/Bangkok."""
    try:
        moment = parse_datetime(text)
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        if require_zone:
            return None
        try:
            moment = timezone.make_aware(moment)
        except (ValueError, OverflowError):
            return None
    offset = moment.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        return None
    return moment


def moment(params, name: str):
    raw = params.get(name)
    if raw in (None, ""):
        return None
    value = parse_moment(raw)
    if value is None:
        raise bad(name, "expected an ISO 8601 date-time with a real UTC offset, e.g. 2026-11-24T00:00:00+07:00")
    return value


def in_order(start, end, start_name: str, end_name: str):
    """A period whose start is after its end is a mistake (400), not an empty answer."""
    if start is not None and end is not None and start > end:
        raise bad(start_name, f"{start_name} ({start.isoformat()}) is after {end_name} ({end.isoformat()})")
    return start, end
