import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import urlencode
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

import params
from access.auth import (
    AgencyStaffPermission,
    FilingPermission,
    is_intake,
    is_operator,
    sees_personal_data,
    sees_ticket_id,
    staff_agency,
)
from complaints import commands, duplicates, intake, lifecycle, listing, merging
from complaints.models import Complaint
from complaints.representations import public
from delivery import report as delivery_report
from fronts.filing import file_complaint, unknown_fields
from geo.http.errors import ApiError
from routing import live
from routing.engine.points import PointError, parse_categories, parse_point
from routing.rules.responsibility import UnknownCategory

from .. import schema
from . import photos as photo_api
from . import writes
from .actors import actor_of

MAX_COMPLAINT_BODY = 1024 * 1024
GEOJSON = "application/geo+json"


def _text(body, name, limit=5000):
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "invalid", f"{name}: must be a string", {"field": name})
    if len(value) > limit:
        raise ApiError(400, "invalid", f"{name}: at most {limit} characters", {"field": name})
    return value.strip()


def _url(body, name) -> str:
    value = _text(body, name, 500)
    try:
        return params.url({name: value}, name)
    except params.ParamError as exc:
        raise ApiError(400, "invalid", exc.message, {"field": name}) from None


def _filing(body) -> intake.Filing:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "body must be a JSON object")
    unknown = unknown_fields(body)
    if unknown:
        names = ", ".join(repr(name[:40]) for name in unknown[:20])
        raise ApiError(400, "unknown_field", f"unknown fields: {names}", {"fields": [n[:100] for n in unknown[:20]]})
    try:
        point = parse_point(body)
    except PointError as exc:
        raise ApiError(400, "invalid_point", str(exc), {"field": exc.field}) from None
    reporter = body.get("reporter") or {}
    if not isinstance(reporter, dict):
        raise ApiError(400, "invalid", "reporter: must be an object with name and contact", {"field": "reporter"})
    photo = _url(body, "photo_url")
    return intake.Filing(
        lon=point.lon,
        lat=point.lat,
        categories=point.categories or ("other",),
        description=_text(body, "description"),
        photo_url=photo,
        reporter_name=_text(reporter, "name", 200),
        reporter_contact=_text(reporter, "contact", 200),
        client_ticket_id=_text(body, "client_ticket_id", 100),
    )


def shown(request, complaint: Complaint, with_history: bool = False):
    """A complaint as this caller may read it: verbatim for its agency's staff, its ticket id for
    the intake system that filed it and for them (access.auth.sees_ticket_id)."""
    verbatim, ticket = sees_personal_data(request, complaint), sees_ticket_id(request, complaint)
    return public(complaint, with_history=with_history, verbatim=verbatim, ticket=ticket)


def _domain_errors(fn):
    try:
        return fn()
    except UnknownCategory as exc:
        raise ApiError(
            400, "unknown_category", f"{exc}; known: {', '.join(exc.known)}", {"field": "category"}
        ) from None
    except commands.CommandError as exc:
        raise ApiError(exc.status, exc.code, str(exc), {"field": exc.field}) from None
    except intake.ComplaintError as exc:
        raise ApiError(400, "invalid", str(exc), {"field": exc.field}) from None
    except intake.IdempotencyConflict as exc:
        raise ApiError(409, "idempotency_conflict", str(exc)) from None
    except lifecycle.IllegalTransition as exc:
        raise ApiError(409, "illegal_transition", str(exc), {"status": exc.state, "allowed": exc.allowed}) from None
    except lifecycle.UnknownAction as exc:
        raise ApiError(400, "invalid", str(exc), {"field": "action"}) from None
    except Complaint.DoesNotExist:
        raise ApiError(404, "not_found", "no such complaint") from None
    except merging.MergeError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.details or None) from None


def visibility_of(request) -> duplicates.Visibility | None:
    """Whose complaints a request may be shown as duplicate candidates: all while reads are public;
    else its intake key's, or its staff's agency's (a superuser's: all)."""
    if settings.GEO_PUBLIC_READ or getattr(request.user, "is_superuser", False):
        return None
    if is_intake(request):
        return duplicates.Visibility(intake_key_id=request.user.key.id)
    agency = staff_agency(request)
    return duplicates.Visibility(agency_id=agency.id if agency else -1)


class ComplaintList(APIView):
    permission_classes = [FilingPermission]
    parser_classes = photo_api.PARSERS

    @extend_schema(
        request=photo_api.requests(schema.COMPLAINT_REQUEST, photo_api.COMPLAINT_MULTIPART),
        parameters=[schema.IDEMPOTENCY_KEY],
        responses={
            201: schema.FILED_COMPLAINT,
            200: schema.FILED_COMPLAINT,
            400: schema.ERROR,
            409: schema.ERROR,
            413: schema.ERROR,
            429: schema.ERROR,
            503: schema.ERROR,
        },
    )
    def post(self, request):
        # Read the body before refusing it: a client still sending would see a reset, not the 413.
        multipart = photo_api.is_multipart(request)  # with photos: limited by GEO_UPLOAD_MAX_BODY
        photo_api.precheck(request)  # photos that could not be decoded now: refused before parsing
        too_long = int(request.META.get("CONTENT_LENGTH") or 0) > MAX_COMPLAINT_BODY
        if not multipart and too_long and len(request.body) > MAX_COMPLAINT_BODY:
            raise ApiError(413, "body_too_large", f"a complaint body may be at most {MAX_COMPLAINT_BODY:,} bytes")
        filing = _filing(photo_api.complaint_fields(request) if multipart else request.data)
        try:
            complaint, created = _domain_errors(
                lambda: file_complaint(
                    filing,
                    key=request.user.key,
                    headers=request.headers,
                    prepare=lambda: photo_api.prepared(request),
                    uploads=request.FILES.getlist(photo_api.FIELD) if multipart else (),
                )
            )
        except params.ParamError as exc:
            raise ApiError(400, "invalid", exc.message) from None
        headers = {"Location": f"/api/v1/complaints/{complaint.id}"}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        out = shown(request, complaint, with_history=True)
        # The reports this one may repeat, for the intake system to offer its reporter (docs/duplicates.md).
        out["duplicates"] = duplicates.answer(
            duplicates.for_complaint(
                complaint, visibility=visibility_of(request), **photo_api.publish.duplicate_terms(complaint)
            ),
            complaint.categories[0] if complaint.categories else "other",
        )
        return Response(out, status=201 if created else 200, headers=headers)

    @extend_schema(
        operation_id="complaints_list",
        parameters=schema.COMPLAINT_PARAMETERS,
        responses={(200, "application/json"): schema.COMPLAINT_PAGE, (200, GEOJSON): schema.COMPLAINT_FEATURES},
    )
    def get(self, request):
        q = request.query_params
        since, until = params.in_order(params.moment(q, "since"), params.moment(q, "until"), "since", "until")
        queryset = (
            Complaint.objects.select_related("agency", "escalated_to")
            .prefetch_related("photos")
            .matching(
                status=params.choice(q, "status", lifecycle.STATES),
                category=q.get("category"),
                agency=q.get("agency"),
                jurisdiction=q.get("jurisdiction"),
                bbox=params.bbox(q),
                since=since,
                until=until,
            )
        )
        limit = params.integer(q, "limit", default=100, minimum=1, maximum=1000)
        offset = params.integer(q, "offset", default=0, minimum=0)
        as_geojson = params.choice(q, "format", ["json", "geojson"], default="json") == "geojson"
        # GeoJSON (the map page's listing) gives numberMatched only when it is cheap to count
        # (complaints/listing.py); JSON's count is always exact.
        matched = listing.count(queryset) if as_geojson else queryset.count()
        if matched is None:  # not counted: one complaint more than the page says whether another follows
            page = list(queryset[offset : offset + limit + 1])
            more = len(page) > limit
            del page[limit:]
        else:
            page = list(queryset[offset : offset + limit])
            more = offset + len(page) < matched
        links = []
        if more:
            query = {**q.dict(), "offset": offset + limit, "limit": limit}
            links.append({"rel": "next", "href": request.build_absolute_uri(request.path) + "?" + urlencode(query)})
        if as_geojson:
            features = [
                {
                    "type": "Feature",
                    "id": c.id,
                    "geometry": {"type": "Point", "coordinates": [c.location.x, c.location.y]},
                    "properties": {
                        k: v for k, v in shown(request, c).items() if k not in ("lon", "lat", "jurisdictions")
                    },
                }
                for c in page
            ]
            doc = {
                "type": "FeatureCollection",
                "features": features,
                **({} if matched is None else {"numberMatched": matched}),
                "numberReturned": len(page),
                "links": links,
            }
            return HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=GEOJSON)
        return Response(
            {
                "count": matched,
                "results": [shown(request, c) for c in page],
                "links": links,
            }
        )


def _checked(view, request, complaint_id) -> Complaint:
    complaint = _domain_errors(lambda: Complaint.objects.select_related("agency", "escalated_to").get(id=complaint_id))
    view.check_object_permissions(request, complaint)
    return complaint


class ComplaintDetail(APIView):
    permission_classes = [AgencyStaffPermission]

    @extend_schema(responses={200: schema.COMPLAINT_WITH_REPORTS, 404: schema.ERROR})
    def get(self, request, complaint_id):
        complaint = _domain_errors(
            lambda: Complaint.objects.select_related("agency", "escalated_to").get(id=complaint_id)
        )
        out = shown(request, complaint, with_history=True)
        out["reports"] = merging.reports(complaint.id)  # the duplicates merged into it
        own = staff_agency(request)
        if is_operator(request) or (own is not None and own.id == complaint.agency_id):
            out["deliveries"] = delivery_report.for_complaint(complaint.id)
        return Response(out)

    @extend_schema(
        request=schema.CORRECTION_REQUEST, responses={200: schema.COMPLAINT, 400: schema.ERROR, 403: schema.ERROR}
    )
    def patch(self, request, complaint_id):
        """Correct the pin and/or the categories: the complaint is routed again."""
        _checked(self, request, complaint_id)
        body = request.data if isinstance(request.data, dict) else {}
        expected = writes.expected_of(body)
        body = {k: v for k, v in body.items() if k != "expected_revision"}
        unknown = set(body) - {"lon", "lat", "category", "categories"}
        if unknown or not body:
            raise ApiError(400, "invalid", "a correction may change lon+lat and/or category/categories only")
        lon = lat = None
        if "lon" in body or "lat" in body:
            try:
                point = parse_point(body)
            except PointError as exc:
                raise ApiError(400, "invalid_point", str(exc), {"field": exc.field}) from None
            lon, lat = point.lon, point.lat
        try:
            categories = parse_categories(body) or None
        except PointError as exc:
            raise ApiError(400, "invalid", str(exc), {"field": exc.field}) from None
        done = writes.run(
            request,
            lambda: _domain_errors(
                lambda: commands.correct(
                    complaint_id,
                    matcher=live.matcher.current(),
                    directory=live.directory.current(),
                    lon=lon,
                    lat=lat,
                    categories=categories,
                    actor=actor_of(request),
                    expected=expected,
                )
            ),
            public,
        )
        complaint = done.complaint
        return Response(public(complaint, with_history=True, verbatim=sees_personal_data(request, complaint)))


class ComplaintTransition(APIView):
    """POST {"action": start|forward|follow_up|finish|reject|reopen|reply|note|not_ours, "note",
    "photo_url", "agency", "expected_revision"} (docs/complaints-api.md)."""

    permission_classes = [AgencyStaffPermission]
    parser_classes = photo_api.PARSERS

    @extend_schema(
        request=photo_api.requests(schema.TRANSITION_REQUEST, photo_api.TRANSITION_MULTIPART),
        responses={200: schema.COMPLAINT, 403: schema.ERROR, 409: schema.ERROR},
    )
    def post(self, request, complaint_id):
        _checked(self, request, complaint_id)
        body = request.data if isinstance(request.data, dict) else {}
        action = body.get("action")
        if not isinstance(action, str):
            raise ApiError(400, "invalid", f"action: one of {', '.join(lifecycle.ACTIONS)}", {"field": "action"})
        note, photo_url = _text(body, "note"), _url(body, "photo_url")
        expected = writes.expected_of(body)
        photos = photo_api.prepared(request)  # "after" photos, multipart
        if action in writes.EXTRA_ACTIONS and (photos or photo_url):
            raise ApiError(400, "invalid", f"photos go with a lifecycle step, not {action}", {"field": "photo"})

        def change() -> commands.Done:
            if action in writes.EXTRA_ACTIONS:
                return writes.extra(action, complaint_id, actor=actor_of(request), note=note, expected=expected)
            return photo_api.move_with(
                photos,
                lambda attach: commands.transition(
                    complaint_id,
                    action,
                    actor=actor_of(request),
                    note=note,
                    photo_url=photo_url,
                    forward_to=body.get("agency"),
                    expected=expected,
                    attach=attach,
                ),
            )

        complaint = writes.run(request, lambda: _domain_errors(change), public).complaint
        return Response(public(complaint, with_history=True, verbatim=sees_personal_data(request, complaint)))
