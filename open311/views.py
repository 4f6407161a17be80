"""GeoReport v2 at /open311/v2/: services, service definitions, requests (GET and POST), tokens."""

import xml.etree.ElementTree as ET
from datetime import timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from access.auth import keys
from access.throttling import charge, limited
from complaints import intake
from complaints.lifecycle import OPEN_STATES
from complaints.models import Complaint
from params import parse_moment
from routing import live
from routing.engine.points import PointError, check_range, coordinate
from routing.models import Category
from routing.rules.responsibility import UnknownCategory

from . import mapping, render

WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
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


def _create(request, fmt):
    form = request.POST
    key = keys.lookup(form["api_key"]) if form.get("api_key") else None
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
    try:
        lat = coordinate(_number(form["lat"], "lat"), "lat")
        lon = coordinate(_number(form["long"], "long"), "long")
        check_range(lon, lat)
    except PointError as exc:
        return render.error(fmt, 400, str(exc).replace("lon:", "long:"))
    attributes = {
        k[len("attribute[") : -1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")
    }
    description = form.get("description", "")
    if attributes:
        description += "".join(f"\n{k}: {v}" for k, v in sorted(attributes.items()))
    name = " ".join(p for p in (form.get("first_name", ""), form.get("last_name", "")) if p)
    contact = ", ".join(p for p in (form.get("email", ""), form.get("phone", "")) if p)
    filing = intake.Filing(
        lon=lon,
        lat=lat,
        categories=(code,),
        description=description.strip()[:5000],
        photo_url=form.get("media_url", "")[:500],
        reporter_name=name[:200],
        reporter_contact=contact[:200],
        source=key.name,
        client_ticket_id="",
    )
    try:
        complaint, _ = intake.file(
            filing,
            matcher=live.matcher.current(),
            directory=live.directory.current(),
            idempotency_key=request.headers.get("Idempotency-Key") or None,
        )
    except (intake.ComplaintError, UnknownCategory, intake.IdempotencyConflict) as exc:
        return render.error(fmt, 400, str(exc))
    row = {
        "service_request_id": str(complaint.id),
        "service_notice": (complaint.decision.get("reason") or {}).get("en"),
        "account_id": form.get("account_id") or None,
    }
    return render.respond(fmt, "service_requests", "request", [row])


def _number(text, field):
    try:
        return float(text)
    except ValueError:
        raise PointError(field, f"must be a number, got {text!r}") from None


@limited(SEARCH_COST, _refuse)
def _search(request, fmt):
    q = request.GET
    queryset = Complaint.objects.select_related("agency").prefetch_related("history")
    if q.get("service_request_id"):
        ids = [i.strip() for i in q["service_request_id"].split(",") if i.strip()]
        if not all(i.isdigit() for i in ids):
            return render.error(fmt, 400, "service_request_id must be a comma-separated list of numbers")
        queryset = queryset.filter(id__in=ids)
    else:
        if q.get("service_code"):
            codes = [c.strip() for c in q["service_code"].split(",") if c.strip()]
            queryset = queryset.filter(categories__0__in=codes)
        moments = {}
        for name in ("start_date", "end_date"):
            if q.get(name):
                moments[name] = parse_moment(q[name], require_zone=True)
                if moments[name] is None:
                    return render.error(fmt, 400, f"{name} must be a w3 date-time with a time zone")
        end = moments.get("end_date") or timezone.now()
        start = moments.get("start_date") or end - WINDOW
        if start > end:
            return render.error(fmt, 400, f"start_date is after {'end_date' if 'end_date' in moments else 'now'}")
        if end - start > WINDOW:
            return render.error(fmt, 400, "start_date and end_date may be at most 90 days apart")
        queryset = queryset.filter(created__gte=start, created__lte=end)
        if q.get("status"):
            wanted = {s.strip() for s in q["status"].split(",")}
            if not wanted <= {"open", "closed"}:
                return render.error(fmt, 400, "status must be open, closed or open,closed")
            if wanted == {"open"}:
                queryset = queryset.filter(status__in=OPEN_STATES)
            elif wanted == {"closed"}:
                queryset = queryset.exclude(status__in=OPEN_STATES)
    names = _categories()
    rows = [mapping.service_request(c, names) for c in queryset.order_by("-created")[:MAX_REQUESTS]]
    return render.respond(fmt, "service_requests", "request", rows)


@require_http_methods(["GET"])
@limited(1, _refuse)
def request_detail(request, request_id, fmt):
    complaint = Complaint.objects.select_related("agency").prefetch_related("history").filter(id=request_id).first()
    if complaint is None:
        return render.error(fmt, 404, f"service_request_id {request_id} was not found")
    return render.respond(fmt, "service_requests", "request", [mapping.service_request(complaint, _categories())])


@require_http_methods(["GET"])
@limited(1, _refuse)
def token(request, token_id, fmt):
    """Tokens are the Idempotency-Key a client sent with its POST: they lead to the request they made."""
    complaint = Complaint.objects.filter(idempotency_key=token_id).first()
    if complaint is None:
        return render.error(fmt, 404, f"token {token_id} was not found")
    return render.respond(
        fmt, "service_requests", "request", [{"service_request_id": str(complaint.id), "token": token_id}]
    )
