"""Dates as Thai readers expect them: Buddhist era (CE + 543), Thai month names; English otherwise."""

from datetime import date, datetime

from django.utils import timezone

MONTHS_TH = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
]
MONTHS_TH_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

BE_OFFSET = 543


def _day(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def thai_date(value, short: bool = True) -> str:
    """7 ธ.ค. 2569 (short) or 7 ธันวาคม 2569."""
    if value is None:
        return "-"
    d = _day(value)
    months = MONTHS_TH_SHORT if short else MONTHS_TH
    return f"{d.day} {months[d.month - 1]} {d.year + BE_OFFSET}"


def thai_datetime(value) -> str:
    if value is None:
        return "-"
    local = timezone.localtime(value)
    return f"{thai_date(local)} {local:%H:%M} น."


def month_name(d: date, language: str) -> str:
    """พฤศจิกายน 2569 / November 2026."""
    if language == "th":
        return f"{MONTHS_TH[d.month - 1]} {d.year + BE_OFFSET}"
    return f"{MONTHS_EN[d.month - 1]} {d.year}"


def local_date(value, language: str) -> str:
    if value is None:
        return "-"
    if language == "th":
        return thai_date(value)
    d = _day(value)
    return f"{d.day} {MONTHS_EN[d.month - 1][:3]} {d.year}"
