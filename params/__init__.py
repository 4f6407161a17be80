"""Query-parameter parsing shared by every protocol: errors name the parameter and say what is
expected, and each protocol renders a ParamError in its own error shape (native, OGC, Open311)."""

import math
import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Query parameters (a QueryDict) or a form or JSON body: what the parsers read from.
Params = Mapping[str, Any]

# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses anything past ±15:59.
MAX_UTC_OFFSET = timedelta(hours=14)
# ASCII digits only (str.isdigit() and int() also take "²" or Thai "๑"), at most 18 of them: every
# value, and an offset plus a page size, then fits PostgreSQL's bigint.
ASCII_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
ASCII_ID = re.compile(r"[0-9]{1,18}")
# A lone UTF-16 surrogate (JSON "\ud800") cannot be encoded as UTF-8: PostgreSQL and every encoder refuse it.
SURROGATE = re.compile("[\ud800-\udfff]")


class ParamError(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = f"{name}: {message}"


def bad(name: str, message: str) -> ParamError:
    return ParamError(name, message)


def parse_integer(text: object) -> int | None:
    """A whole number written in ASCII digits that fits a bigint, or None."""
    if not isinstance(text, str) or not ASCII_INTEGER.fullmatch(text):
        return None
    return int(text)


def parse_id(text: object) -> int | None:
    """A row id (positive, ASCII digits, within bigint), or None."""
    if not isinstance(text, str) or not ASCII_ID.fullmatch(text):
        return None
    value = int(text)
    return value if value > 0 else None


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored or published as text, or None: NUL or a lone surrogate."""
    if "\x00" in value:
        return "contains a NUL character (U+0000)"
    found = SURROGATE.search(value)
    if found:
        return f"contains a lone surrogate (U+{ord(found.group()):04X}), which is not a character"
    return None


@overload
def text(params: Params, name: str, default: str) -> str: ...
@overload
def text(params: Params, name: str, default: None = None) -> str | None: ...
def text(params: Params, name: str, default: str | None = None) -> str | None:
    """A parameter or form field as text that can be stored (no NUL, no lone surrogate)."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    problem = text_problem(raw)
    if problem:
        raise bad(name, problem)
    return raw


def ids(params: Params, name: str, maximum: int = 1000) -> list[int] | None:
    """A comma-separated list of row ids, e.g. 12,13,14."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    values = [parse_id(p) for p in parts]
    if not parts or None in values:
        raise bad(name, "expected a comma-separated list of ids (ASCII digits, e.g. 12,13)")
    if len(values) > maximum:
        raise bad(name, f"at most {maximum} ids")
    return values


@overload
def integer(params: Params, name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int: ...
@overload
def integer(
    params: Params, name: str, default: None = None, minimum: int | None = None, maximum: int | None = None
) -> int | None: ...
def integer(
    params: Params, name: str, default: int | None = None, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    value = parse_integer(raw)
    if value is None:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise bad(name, f"expected an integer of at most 18 ASCII digits, got {shown!r}")
    if minimum is not None and value < minimum:
        raise bad(name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise bad(name, f"must be at most {maximum}")
    return value


@overload
def number(
    params: Params, name: str, default: float, minimum: float | None = None, maximum: float | None = None
) -> float: ...
@overload
def number(
    params: Params, name: str, default: None = None, minimum: float | None = None, maximum: float | None = None
) -> float | None: ...
def number(
    params: Params,
    name: str,
    default: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float | None:
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


@overload
def choice(params: Params, name: str, choices: Collection[str], default: str) -> str: ...
@overload
def choice(params: Params, name: str, choices: Collection[str], default: None = None) -> str | None: ...
def choice(params: Params, name: str, choices: Collection[str], default: str | None = None) -> str | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if raw not in choices:
        raise bad(name, f"expected one of {', '.join(choices)}, got {raw!r}")
    return raw


def bbox(params: Params, name: str = "bbox") -> tuple[float, float, float, float] | None:
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
    try:
        # 0001-01-01T00:00:00+14:00 or 9999-12-31T23:59:59-12:00 leave datetime's range in UTC,
        # which is how the database and every comparison see them.
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment


def moment(params: Params, name: str) -> datetime | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    value = parse_moment(raw)
    if value is None:
        raise bad(name, "expected an ISO 8601 date-time with a real UTC offset, e.g. 2026-11-24T00:00:00+07:00")
    return value


# RFC 3986 characters less the quote marks, angle brackets, backslash, braces and spaces that let a
# URL break out of an HTML attribute or carry markup; anything else must be percent-encoded.
URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")


def url_problem(value: str) -> str | None:
    """Why `value` is not a plain http(s) URL to publish as a link, or None."""
    if not URL_CHARACTERS.fullmatch(value):
        return "may hold only URL characters (percent-encode the others)"
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return "must be an http:// or https:// URL with a host name"
    if "@" in value.split("//", 1)[1].split("/", 1)[0]:
        return "must not carry a user name or password"
    return None


def url(params: Params, name: str, default: str = "") -> str:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not isinstance(raw, str):
        raise bad(name, "must be a string")
    problem = url_problem(raw)
    if problem:
        raise bad(name, problem)
    return raw


class IdConverter:
    """`<id:name>` in URL patterns: a row id as parse_id takes it (ASCII digits, within bigint);
    anything else does not match the route and is a 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        found = parse_id(value)
        if found is None:
            raise ValueError(value)  # Django treats this as "no match"
        return found

    def to_url(self, value: int | str) -> str:
        return str(value)


def key_text(params: Params, name: str, maximum: int = 200) -> str | None:
    """A client-chosen key (an Idempotency-Key header, a token): 1 to `maximum` characters, or None."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if len(raw) > maximum:
        raise bad(name, f"1 to {maximum} characters")
    problem = text_problem(raw)
    if problem:
        raise bad(name, problem)
    return raw


def in_order(
    start: datetime | None, end: datetime | None, start_name: str, end_name: str
) -> tuple[datetime | None, datetime | None]:
    """A period whose start is after its end is a mistake (400), not an empty answer."""
    if start is not None and end is not None and start > end:
        raise bad(start_name, f"{start_name} ({start.isoformat()}) is after {end_name} ({end.isoformat()})")
    return start, end
