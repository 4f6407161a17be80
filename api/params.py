"""Query-parameter parsing with errors that name the parameter and say what is expected."""

import math

from .errors import ApiError


def bad(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{name}: {message}", {"parameter": name})


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
