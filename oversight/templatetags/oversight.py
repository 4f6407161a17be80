from django import template
from django.utils.translation import get_language, gettext

from .. import dates

register = template.Library()


@register.filter
def local_date(value):
    """Buddhist era in Thai, the common era in English."""
    return dates.local_date(value, (get_language() or "th")[:2])


@register.filter
def percent(value):
    return "-" if value is None else f"{value * 100:.1f}%"


@register.filter
def hours(value):
    """Hours as people read them; days from two days on."""
    if value is None:
        return "-"
    if value >= 48:
        return gettext("%(value).1f d") % {"value": value / 24}
    return gettext("%(value).1f h") % {"value": value}


@register.filter
def either(row, language_field):
    """row.name_th or row.name_en by the active language, the other as fallback."""
    th = (get_language() or "th").startswith("th")
    first, second = ("name_th", "name_en") if th else ("name_en", "name_th")
    return row.get(first) or row.get(second) or row.get("code") or language_field


@register.simple_tag(takes_context=True)
def switch_language(context):
    """The current page's address in the other language."""
    request = context["request"]
    query = request.GET.copy()
    query["lang"] = "en" if (get_language() or "th").startswith("th") else "th"
    return "?" + query.urlencode()
