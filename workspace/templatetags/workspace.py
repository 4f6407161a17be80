"""Template filters of the workspace: dates as Thai readers expect them (Buddhist era)."""

from django import template
from django.utils import timezone, translation
from django.utils.formats import date_format

from ..labels import STATUS

register = template.Library()

THAI_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
BE_OFFSET = 543


@register.filter
def be_date(value, with_time=True):
    """7 ธ.ค. 2569 14:05 in Thai (Buddhist era), 7 Dec 2026 14:05 otherwise; local time."""
    if not value:
        return "–"
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    if translation.get_language() == "th":
        out = f"{value.day} {THAI_MONTHS[value.month - 1]} {value.year + BE_OFFSET}"
    else:
        out = date_format(value, "j M Y")
    return f"{out} {value:%H:%M}" if with_time and hasattr(value, "hour") else out


@register.filter
def status_label(value):
    return STATUS.get(value, value)


@register.filter
def category_label(code, names):
    row = names.get(code) if names else None
    if not row:
        return code
    return row[0] if translation.get_language() == "th" else (row[1] or row[0])


@register.filter
def name_of(agency):
    if not agency:
        return "–"
    if isinstance(agency, dict):
        th, en = agency.get("name_th"), agency.get("name_en")
    else:
        th, en = agency.name_th, agency.name_en
    return th if translation.get_language() == "th" or not en else en
