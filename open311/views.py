"""GeoReport v2 at /open311/v2/: services, service definitions, requests (GET and POST), tokens."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

import params
from access.auth import keys, sees_personal_data
from access.throttling import charge, limited
from complaints import intake
from complaints.lifecycle import OPEN_STATES
from complaints.models import Complaint, HistoryEntry
from fronts.filing import file_complaint
from params import ParamError, parse_moment
from photos import cost, processing, publish, store
from routing.engine.points import PointError, check_range, coordinate
from routing.models import Category
from routing.rules.responsibility import UnknownCategory

from . import mapping, render, updates

WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_PAGE = 1_000_000
# Rate-limit units (access/throttling.py): a search reads up to MAX_REQUESTS complaints.
SEARCH_COST = 5


def _refuse(request, wait, fmt="json", **_):
    return _throttled(fmt, wait)


def _throttled(fmt, wait):
    response = render.error(fmt, 429, f"too many requests; retry in {int(wait)} s")
    response["Retry-After"] = str(int(wait))
    return response


def _categories():
    return {c.code: c.name_en for c in Category.objects.filter(active=True)}


def _target_hours():
    return dict(Category.objects.values_list("code", "target_hours"))


@require_http_methods(["GET"])
@limited(1, _refuse)
def services(request, fmt):
    rows = [mapping.service(c) for c in Category.objects.filter(active=True).order_by("code")]
    return render.respond(fmt, "services", "service", rows)


@require_http_methods(["GET"])
@limited(1, _refuse)
def service_definition(request, code, fmt):
    if not Category.objects.filter(code=code, active=True).exists():
        return render.error(fmt, 404, f"service_code {code} was not found")
    if fmt == "xml":
        top = ET.Element("service_definition")
        ET.SubElement(top, "service_code").text = code
        ET.SubElement(top, "attributes")
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return render.respond(fmt, "", "", [], single={"service_code": code, "attributes": []})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request, fmt):
    return _create(request, fmt) if request.method == "POST" else _search(request, fmt=fmt)


def _form_problem(form) -> str | None:
    """The first form field (urlencoded or multipart) whose text cannot be stored, or None."""
    for name, values in form.lists():
        for value in [name, *values]:
            problem = params.text_problem(value)
            if problem:
                return f"{name[:40]}: {problem}"
    return None


def _caller(request):
    """The intake key named by api_key (form or query), or None."""
    api_key = request.POST.get("api_key") or request.GET.get("api_key")
    return keys.lookup(api_key) if api_key else None


def _filing(form) -> intake.Filing:
    """The GeoReport form as a filing; PointError or ParamError for what cannot be filed."""
    lat = coordinate(_number(form["lat"], "lat"), "lat")
    lon = coordinate(_number(form["long"], "long"), "long")
    check_range(lon, lat)
    attributes = {
        k[len("attribute[") : -1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")
    }
    description = form.get("description", "")
    if attributes:
        description += "".join(f"\n{k}: {v}" for k, v in sorted(attributes.items()))
    media_url = params.url(form, "media_url")
    name = " ".join(p for p in (form.get("first_name", ""), form.get("last_name", "")) if p)
    contact = ", ".join(p for p in (form.get("email", ""), form.get("phone", "")) if p)
    return intake.Filing(
        lon=lon,
        lat=lat,
        categories=(form["service_code"].strip(),),
        description=description.strip()[:5000],
        photo_url=media_url[:500],
        reporter_name=name[:200],
        reporter_contact=contact[:200],
    )


class _Refused(Exception):
    """A request refused with this message (400)."""


def _media(request, key) -> list:
    """The media extension: photos sent as multipart `media` parts, processed (nothing stored)."""
    other = sorted(set(request.FILES) - {"media"})
    if other:
        raise _Refused(f"file part {other[0][:40]!r}: a photo is sent as `media`")
    try:
        return store.prepare(request.FILES.getlist("media"), payer=cost.payer(key=key))
    except processing.PhotoError as exc:
        raise _Refused(f"media: {exc.message}") from None


def _create(request, fmt):
    form = request.POST
    problem = _form_problem(form)
    if problem:
        return render.error(fmt, 400, problem)
    key = _caller(request)
    if key is None:
        return render.error(fmt, 403, "api_key is missing or not valid")
    wait = charge(request, 1, key=key)  # the key's own rate, as on the native API
    if wait is not None:
        return _throttled(fmt, wait)
    code = form.get("service_code", "").strip()
    if not code:
        return render.error(fmt, 400, "service_code was not provided")
    if not Category.objects.filter(code=code, active=True).exists():
        return render.error(fmt, 404, f"service_code {code} was not found")
    if not form.get("lat") or not form.get("long"):
        return render.error(fmt, 400, "lat and long are required (address_string and address_id are not supported)")
    photos = []

    def prepare() -> list:
        photos.extend(_media(request, key))
        return photos

    try:
        uploads = request.FILES.getlist("media")
        complaint, _ = file_complaint(_filing(form), key=key, headers=request.headers, prepare=prepare, uploads=uploads)
    except PointError as exc:
        return render.error(fmt, 400, str(exc).replace("lon:", "long:"))
    except ParamError as exc:
        return render.error(fmt, 400, exc.message)
    except _Refused as exc:
        return render.error(fmt, 400, str(exc))
    except cost.OverBudget as exc:  # the media's decoding, charged before any is decoded
        return _throttled(fmt, exc.wait)
    except cost.Busy as exc:
        response = render.error(fmt, 503, f"every photo decoder is busy; retry in {exc.wait} s")
        response["Retry-After"] = str(exc.wait)
        return response
    except intake.IdempotencyConflict as exc:
        return render.error(fmt, 409, str(exc))
    except (intake.ComplaintError, UnknownCategory) as exc:
        return render.error(fmt, 400, str(exc))
    row = {
        "service_request_id": str(complaint.id),
        "service_notice": (complaint.decision.get("reason") or {}).get("en"),
        "account_id": form.get("account_id") or None,
    }
    if photos:
        row["media_url"] = publish.first_public_url(complaint)
    return render.respond(fmt, "service_requests", "request", [row])


def _number(text, field):
    try:
        return float(text)
    except ValueError:
        raise PointError(field, f"must be a number, got {text!r}") from None


def _moments(q, names) -> dict:
    """w3 date-times with a zone, by name."""
    found = {}
    for name in names:
        if q.get(name):
            found[name] = parse_moment(q[name], require_zone=True)
            if found[name] is None:
                raise params.bad(name, "must be a w3 date-time with a time zone")
    return found


def _window(moments: dict, start_name: str, end_name: str):
    """(start, end) of a window of at most 90 days; the end defaults to now, the start to 90 days before it."""
    end = moments.get(end_name) or timezone.now()
    try:
        start = moments.get(start_name) or end - WINDOW
    except OverflowError:  # an end within 90 days of year 1
        start = datetime.min.replace(tzinfo=UTC)
    if start > end:
        raise params.bad(start_name, f"must not be after {end_name if end_name in moments else 'now'}")
    if end - start > WINDOW:
        raise params.bad(start_name, f"at most 90 days before {end_name}")
    return start, end


def _paging(q) -> slice:
    """The page / page_size extension: pages count from 1, at most MAX_REQUESTS a page."""
    values = {
        "page": params.integer(q, "page", default=1, minimum=1, maximum=MAX_PAGE),
        "page_size": params.integer(q, "page_size", default=MAX_REQUESTS, minimum=1, maximum=MAX_REQUESTS),
    }
    start = (values["page"] - 1) * values["page_size"]
    return slice(start, start + values["page_size"])


def _ids(q):
    return params.ids(q, "service_request_id", maximum=MAX_REQUESTS)


@limited(SEARCH_COST, _refuse)
def _search(request, fmt):
    try:
        rows = _requests(request)
    except params.ParamError as exc:
        return render.error(fmt, 400, exc.message)
    return render.respond(fmt, "service_requests", "request", rows)


def _requests(request) -> list:
    q = request.GET
    queryset = Complaint.objects.select_related("agency").prefetch_related("history", "photos")
    page = _paging(q)
    if q.get("service_request_id"):
        queryset = queryset.filter(id__in=_ids(q))
    else:
        if q.get("service_code"):
            codes = [c.strip() for c in q["service_code"].split(",") if c.strip()]
            queryset = queryset.filter(categories__0__in=codes)
        moments = _moments(q, ("start_date", "end_date", "updated_after", "updated_before"))
        changed = {"updated_after", "updated_before"} & set(moments)
        # A client catching up on changes asks by update time: then the filing-time window
        # applies only when it names one.
        if not changed or {"start_date", "end_date"} & set(moments):
            start, end = _window(moments, "start_date", "end_date")
            queryset = queryset.filter(created__gte=start, created__lte=end)
        if changed:
            after, before = _window(moments, "updated_after", "updated_before")
            queryset = queryset.filter(updated__gt=after, updated__lte=before)
        if q.get("status"):
            wanted = {s.strip() for s in q["status"].split(",")}
            if not wanted <= {"open", "closed"}:
                raise params.bad("status", "must be open, closed or open,closed")
            if wanted == {"open"}:
                queryset = queryset.filter(status__in=OPEN_STATES)
            elif wanted == {"closed"}:
                queryset = queryset.exclude(status__in=OPEN_STATES)
    names, hours = _categories(), _target_hours()
    return [
        mapping.service_request(c, names, hours, sees_personal_data(request, c))
        for c in queryset.order_by("-created", "-id")[page]
    ]


@require_http_methods(["GET"])
def request_updates(request, fmt):
    """GET servicerequestupdates: what happened to requests, oldest first, by update time."""
    q = request.GET
    try:
        page = _paging(q)
        entries = HistoryEntry.objects.exclude(event__in=updates.HIDDEN_EVENTS)
        moments = _moments(q, ("start_date", "end_date"))
        if q.get("service_request_id"):
            entries = entries.filter(complaint_id__in=_ids(q))
        # The updates of named requests: all of them unless a window is asked for.
        if moments or not q.get("service_request_id"):
            start, end = _window(moments, "start_date", "end_date")
            entries = entries.filter(at__gte=start, at__lte=end)
    except params.ParamError as exc:
        return render.error(fmt, 400, str(exc))
    rows = list(entries.order_by("at", "id")[page])
    names, photos = updates.agency_names(rows), publish.by_entry(rows)
    rows = [updates.update(e, names, photos) for e in rows]
    return render.respond(fmt, "service_requests_updates", "request_update", rows)


@require_http_methods(["GET"])
@limited(1, _refuse)
def request_detail(request, request_id, fmt):
    found = params.parse_id(request_id)
    queryset = Complaint.objects.select_related("agency").prefetch_related("history", "photos")
    complaint = queryset.filter(id=found).first() if found else None
    if complaint is None:
        return render.error(fmt, 404, f"service_request_id {request_id} was not found")
    row = mapping.service_request(complaint, _categories(), _target_hours(), sees_personal_data(request, complaint))
    return render.respond(fmt, "service_requests", "request", [row])


@require_http_methods(["GET"])
@limited(1, _refuse)
def token(request, token_id, fmt):
    """Tokens are the Idempotency-Key a client sent with its POST: they lead to the request they made.

    Our services are `realtime` (POST answers with the service_request_id), so the spec needs no
    tokens; a token here is a key the intake system chose, so only that system (its api_key) may
    resolve it: another system's token is "not found", as one that was never used."""
    key = _caller(request)
    if key is None:
        return render.error(
            fmt, 403, "api_key is missing or not valid: a token resolves only for the system that sent it"
        )
    complaint = Complaint.objects.filter(intake_key=key, idempotency_key=token_id).first()
    if complaint is None:
        return render.error(fmt, 404, f"token {token_id} was not found")
    return render.respond(
        fmt, "service_requests", "request", [{"service_request_id": str(complaint.id), "token": token_id}]
    )
