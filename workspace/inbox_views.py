"""The inbox: the agency's complaints by what is due, with tabs, filters, search, a map, and
actions on a selection."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import deadlines
from complaints.lifecycle import STATES
from routing.models import Agency, Category

from . import actions, labels
from .access import complaints_for_action
from .inbox_query import COUNTED_TABS, inbox, parse_filters
from .pages import acting, page_error, workspace_view


def area_of(code: str | None):
    """An executive's area code as the inbox query takes it; None: everywhere."""
    if not code:
        return None
    return ("province", code[:2]) if len(code) <= 2 else ("district", code[:4])


def _scope(request):
    """(agency id, area, agency shown) of the inbox: an officer's own agency; an executive's or
    operator's whole area, or one agency of it (?agency=CODE, read-only)."""
    viewer = request.viewer
    if viewer.agency is not None:
        return viewer.agency.id, None, viewer.agency
    code = (request.GET.get("agency") or "").strip()
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            return -1, area_of(viewer.area), None
        return agency.id, area_of(viewer.area), agency
    return None, area_of(viewer.area), None


def feature(c) -> dict:
    return {
        "type": "Feature",
        "id": c.id,
        "geometry": {"type": "Point", "coordinates": [round(c.location.x, 6), round(c.location.y, 6)]},
        "properties": {"id": c.id, "status": c.status, "overdue": bool(getattr(c, "is_overdue", False))},
    }


@workspace_view
def inbox_page(request):
    try:
        filters = parse_filters(request.GET)
    except ValueError as exc:
        field, message = exc.args if len(exc.args) == 2 else ("", str(exc))
        return page_error(request, 400, "bad_filter", detail=f"{field}: {message}")
    agency_id, area, agency = _scope(request)
    now = timezone.now()
    found = inbox(agency_id, filters, now=now, area=area)
    for row in found.rows:
        row.is_overdue = deadlines.overdue(row.status, row.due_at, now)
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = query.copy()
    tab_query.pop("tab", None)
    categories = {c.code: (c.name_th, c.name_en) for c in Category.objects.filter(active=True)}
    return render(
        request,
        "workspace/inbox.html",
        {
            "viewer": request.viewer,
            "agency": agency,
            "page": found,
            "filters": filters,
            "tabs": [(t, labels.TABS[t], found.counts.get(t)) for t in ("open", *COUNTED_TABS, "all")],
            "statuses": [(s, labels.STATUS[s]) for s in STATES],
            "categories": categories,
            "query": query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "geojson": {"type": "FeatureCollection", "features": [feature(c) for c in found.rows]},
        },
    )


@workspace_view
@acting
def bulk_action(request):
    try:
        ids = sorted({int(i) for i in request.POST.getlist("ids")})
    except ValueError:
        return page_error(request, 400, "bad_selection")
    if not ids:
        messages.error(request, _("Select complaints first."))
        return redirect("workspace:inbox")
    complaints = complaints_for_action(request.viewer, ids)  # 404 for all when one is not theirs
    action = request.POST.get("action", "")
    try:
        parent = actions.bulk(action, complaints, request.viewer, request.POST)
    except actions.Refused as refused:
        return page_error(request, refused.status, "refused", detail=refused.message)
    if parent is not None:
        messages.success(request, _("Merged into #%(id)s.") % {"id": parent.id})
        return redirect("workspace:complaint", complaint_id=parent.id)
    messages.success(request, _("Done for %(n)s complaints.") % {"n": len(complaints)})
    return redirect("workspace:inbox")


@workspace_view
def agency_options(request):
    """<option>s of active agencies matching ?q= (code or name), for the forward picker (htmx)."""
    q = (request.GET.get("q") or request.GET.get("to_agency") or "").strip()[:100].replace("\x00", "")
    found = Agency.objects.filter(active=True)
    if q:
        found = found.filter(Q(code__icontains=q) | Q(name_th__icontains=q) | Q(name_en__icontains=q))
    return render(request, "workspace/agency_options.html", {"agencies": found.order_by("code")[:20]})
