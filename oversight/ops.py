"""The operators' pages (/work/ops/): what officers gave back or forwarded, by rule and place."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import areas, params, returns
from .language import thai_first


@require_safe
@login_required
@thai_first
def returns_page(request):
    if not areas.is_operator(request.user):
        return HttpResponseForbidden(_("This page is for operators."))
    try:
        since, until = _window(request.GET)
        area = request.GET.get("area", "").strip()
        if area and not areas.AREA.fullmatch(area):
            raise params.BadParameter("area", _("area: a province (2 digits) or district (4 digits) code"))
    except params.BadParameter as exc:
        return render(request, "oversight/bad_request.html", {"error": exc}, status=400)
    zone = ZoneInfo(settings.TIME_ZONE)
    found = returns.groups(datetime.combine(since, time(), zone), datetime.combine(until, time(), zone), area)
    context = {
        "groups": found,
        "since": since,
        "last_day": until - timedelta(days=1),
        "area": area,
        "total": sum(g.moves for g in found),
    }
    return render(request, "oversight/returns.html", context)


def _window(query):
    """?since=&until= (days included), the last 90 days by default."""
    last = timezone.localdate()
    first = last - timedelta(days=89)
    if query.get("since") or query.get("until"):
        window = params.period(query)
        first, last = window.since, window.last_day
    return first, last + timedelta(days=1)
