"""The pages' query parameters, checked: a clear 400 for anything else."""

import re
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from .scorecard import SORTS, Period

MAX_DAYS = 400  # a period's cost is bounded: about a year at most
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class BadParameter(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadParameter(name, _("%(name)s: a date as YYYY-MM-DD") % {"name": name}) from None


def period(query) -> Period:
    """?month=YYYY-MM, or ?since=YYYY-MM-DD&until=YYYY-MM-DD (both days included), or the last 12 weeks."""
    if query.get("month"):
        return month(query)
    since, until = query.get("since"), query.get("until")
    if not since and not until:
        return Period.recent_weeks()
    last = _date("until", until) if until else timezone.localdate()
    first = _date("since", since) if since else last - timedelta(weeks=12)
    if first > last:
        raise BadParameter("since", _("since is after until"))
    if (last - first).days >= MAX_DAYS:
        raise BadParameter("since", _("at most %(days)d days at once") % {"days": MAX_DAYS})
    return Period(first, last + timedelta(days=1))


def month(query) -> Period:
    """?month=YYYY-MM (common era); the last full month when absent."""
    value = query.get("month") or ""
    if not value:
        first_of_this = timezone.localdate().replace(day=1)
        previous = first_of_this - timedelta(days=1)
        return Period.month(previous.year, previous.month)
    found = MONTH.fullmatch(value)
    if not found or not 1 <= int(found[2]) <= 12 or not 2000 <= int(found[1]) <= 2100:
        raise BadParameter("month", _("month: YYYY-MM in the common era, e.g. 2026-11"))
    return Period.month(int(found[1]), int(found[2]))


def sort(query) -> str:
    value = query.get("sort") or "-received"
    if value.lstrip("-") not in SORTS:
        raise BadParameter("sort", _("sort: one of %(keys)s, '-' first for descending") % {"keys": ", ".join(SORTS)})
    return value
