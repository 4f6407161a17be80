"""The executives' pages (/work/exec/): thin views over oversight.scorecard. Read-only: GET and HEAD
only (anything else 405). Not signed in: to the sign-in page; signed in but neither executive nor
operator: 403; an area or agency outside the reader's: 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import areas, charts, dates, exports, params, printing, report, scorecard
from .language import thai_first


def reader(view):
    """Signed in, an executive or an operator, GET/HEAD only, Thai first; bad parameters -> 400."""

    @require_safe
    @login_required
    @thai_first
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not areas.is_reader(request.user):
            return HttpResponseForbidden(_("This page is for executives and operators."))
        try:
            return view(request, *args, **kwargs)
        except areas.NotVisible:
            raise Http404(_("No such area for you.")) from None
        except params.BadParameter as exc:
            return render(request, "oversight/bad_request.html", {"error": exc}, status=400)

    return wrapped


def _area(request: HttpRequest) -> areas.Area | None:
    """The area asked for; None when an operator has not picked one yet."""
    wanted = request.GET.get("area")
    if not wanted and areas.home_area(request.user) is None:
        return None
    return areas.area_for(request.user, wanted)


def _query(area: areas.Area, period: scorecard.Period, **extra: str) -> str:
    values = {"area": area.code, "since": period.since.isoformat(), "until": period.last_day.isoformat(), **extra}
    return urlencode({k: v for k, v in values.items() if v})


def _choices(request: HttpRequest, area: areas.Area | None) -> list[tuple[str, str]]:
    """The areas the reader may switch to: operators any province (and the districts of the one
    shown), a province's executive its districts."""
    home = areas.home_area(request.user)
    if home is None:
        out = [(p.code, p.name(get_language())) for p in areas.provinces()]
        if area is not None:
            out += [(d.code, "— " + d.name(get_language())) for d in areas.districts(area.code[:2])]
        return out
    if len(home) == 2:
        top = areas.named(home)
        own = [(home, top.name(get_language()) if top else home)]
        return own + [(d.code, "— " + d.name(get_language())) for d in areas.districts(home)]
    return []


@reader
def executive(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    if area is None:
        return render(request, "oversight/pick.html", {"choices": _choices(request, None)})
    period = params.period(request.GET)
    order = params.sort(request.GET)
    rows = scorecard.sort(scorecard.agencies(area, period), order)
    weeks = scorecard.trend(area, period)
    query = _query(area, period)
    language = get_language()
    report_month = params.month({})  # the last full month
    context = {
        "area": area,
        "area_name": area.name(language),
        "period": period,
        "rows": rows,
        "totals": scorecard.totals(rows),
        "chart": charts.weekly_bars(weeks),
        "order": order,
        "columns": _columns(order, query),
        "query": query,
        "choices": _choices(request, area),
        "overdue_url": reverse("oversight:overdue") + "?" + urlencode({"area": area.code}),
        "report_month": dates.month_name(report_month.since, language),
        "report_query": urlencode({"area": area.code, "month": f"{report_month.since:%Y-%m}"}),
        "inbox_url": "/work/",
        "bbox": ",".join(str(v) for v in areas.bbox(area) or ()),
    }
    return render(request, "oversight/executive.html", context)


def _columns(order: str, query: str) -> list[dict]:
    """Sortable headers: a click sorts by the column, again reverses it."""
    names = [
        ("name", _("Agency")),
        ("received", _("Received")),
        ("done", _("Done")),
        ("response", _("Median to first response")),
        ("resolution", _("Median to done")),
        ("overdue", _("Share overdue")),
        ("reopen", _("Reopen rate")),
        ("rating", _("Mean rating")),
    ]
    out = []
    for key, label in names:
        current = order.lstrip("-") == key
        descending = order.startswith("-")
        # Figures start with the largest; names alphabetically.
        first = key if key == "name" else "-" + key
        following = (key if descending else "-" + key) if current else first
        out.append(
            {
                "key": key,
                "label": label,
                "href": "?" + query + "&" + urlencode({"sort": following}),
                "sorted": ("descending" if descending else "ascending") if current else "none",
            }
        )
    return out


@reader
def overdue(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    if area is None:
        raise areas.NotVisible("no area")
    return JsonResponse(scorecard.overdue_points(area), content_type="application/geo+json")


def _exported(request: HttpRequest) -> tuple[areas.Area, scorecard.Period, list[dict], str]:
    area = _area(request)
    if area is None:
        raise areas.NotVisible("no area")
    period = params.period(request.GET)
    rows = scorecard.sort(scorecard.agencies(area, period), params.sort(request.GET))
    name = f"scorecard-{area.code}-{period.since:%Y%m%d}-{period.until:%Y%m%d}"
    return area, period, rows, name


@reader
def export_csv(request: HttpRequest) -> HttpResponse:
    _, _, rows, name = _exported(request)
    response = HttpResponse(exports.as_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@reader
def export_xlsx(request: HttpRequest) -> HttpResponse:
    area, period, rows, name = _exported(request)
    language = get_language()
    since, last = dates.local_date(period.since, language), dates.local_date(period.last_day, language)
    title = f"{area.name(language)} · {since} – {last}"
    body = exports.as_xlsx(rows, scorecard.trend(area, period), title)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@reader
def monthly_report(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    if area is None:
        raise areas.NotVisible("no area")
    period = params.month(request.GET)
    language = get_language()
    key = f"{area.code}:{period.since:%Y-%m}:{language}"
    try:
        pdf = printing.printed(key, lambda: report.monthly(area, period, language))
    except printing.Busy:
        busy = HttpResponse(_("Other reports are being printed; try again in a few seconds."), status=503)
        busy["Retry-After"] = "10"
        busy["Content-Type"] = "text/plain; charset=utf-8"
        return busy
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"report-{area.code}-{period.since:%Y-%m}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
