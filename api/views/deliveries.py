"""Operator API for deliveries: list (dead letters, an agency's queue), resend, pause and resume an
agency, and the agencies that cannot be reached. Thin: the work is in delivery.control/report."""

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import params
from access.auth import OperatorOrAgencyStaff, actor_name, is_operator, staff_agency
from delivery import control, report
from delivery.models import CHANNELS, KINDS, REASONS, STATES, Delivery
from geo.http.errors import ApiError
from routing.models import Agency

from .. import schema

LIST_PARAMETERS = [
    schema.query("state", enum=list(STATES)),
    schema.query("agency", description="agency code"),
    schema.query("channel", enum=list(CHANNELS)),
    schema.query("kind", enum=list(KINDS)),
    schema.query("reason", enum=list(REASONS)),
    schema.query("complaint", schema.OpenApiTypes.INT),
    schema.query("limit", schema.OpenApiTypes.INT, default=100),
    schema.query("offset", schema.OpenApiTypes.INT),
]


def _agency_in_reach(request: Request, code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ApiError(404, "not_found", f"no agency with code {code!r}")
    own = staff_agency(request)
    if not is_operator(request) and (own is None or own.id != agency.id):
        raise ApiError(403, "permission_denied", "staff may act on their own agency's deliveries only")
    return agency


class DeliveryList(APIView):
    permission_classes = [OperatorOrAgencyStaff]

    @extend_schema(
        operation_id="deliveries_list",
        parameters=LIST_PARAMETERS,
        responses={200: schema.DELIVERY_PAGE, 400: schema.ERROR, 403: schema.ERROR},
    )
    def get(self, request: Request) -> Response:
        q = request.query_params
        queryset = Delivery.objects.select_related("agency").order_by("-id")
        if not is_operator(request):
            queryset = queryset.filter(agency=staff_agency(request))
        for name, choices in (("state", STATES), ("channel", CHANNELS), ("kind", KINDS), ("reason", REASONS)):
            value = params.choice(q, name, choices)
            if value:
                queryset = queryset.filter(**{name: value})
        if q.get("agency"):
            queryset = queryset.filter(agency__code=q["agency"])
        complaint = params.integer(q, "complaint", minimum=1, maximum=2**63 - 1)
        if complaint:
            queryset = queryset.filter(complaint_id=complaint)
        limit = params.integer(q, "limit", default=100, minimum=1, maximum=1000)
        offset = params.integer(q, "offset", default=0, minimum=0)
        matched = queryset.count()
        page = queryset[offset : offset + limit]
        return Response({"count": matched, "results": [report.describe(d) for d in page]})


class DeliveryDetail(APIView):
    permission_classes = [OperatorOrAgencyStaff]

    @extend_schema(responses={200: schema.DELIVERY, 403: schema.ERROR, 404: schema.ERROR})
    def get(self, request: Request, delivery_id: str) -> Response:
        delivery = _delivery(request, delivery_id)
        return Response(report.describe(delivery, with_attempts=True))


def _delivery(request: Request, delivery_id: str) -> Delivery:
    try:
        key = uuid.UUID(str(delivery_id))
    except ValueError:
        raise ApiError(404, "not_found", "no such delivery") from None
    delivery = Delivery.objects.select_related("agency").filter(uuid=key).first()
    if delivery is None:
        raise ApiError(404, "not_found", "no such delivery")
    _agency_in_reach(request, delivery.agency.code)
    return delivery


class DeliveryResend(APIView):
    permission_classes = [OperatorOrAgencyStaff]

    @extend_schema(
        request=None, responses={200: schema.DELIVERY, 403: schema.ERROR, 404: schema.ERROR, 409: schema.ERROR}
    )
    def post(self, request: Request, delivery_id: str) -> Response:
        delivery = _delivery(request, delivery_id)
        try:
            delivery = control.resend(delivery.uuid, by=actor_name(request))
        except control.NotResendable as exc:
            raise ApiError(409, "not_resendable", str(exc), {"state": delivery.state}) from None
        return Response(report.describe(delivery))


class AgencyPause(APIView):
    permission_classes = [OperatorOrAgencyStaff]

    @extend_schema(request=None, responses={200: schema.AGENCY_PAUSED, 403: schema.ERROR, 404: schema.ERROR})
    def post(self, request: Request, code: str) -> Response:
        agency = _agency_in_reach(request, code)
        settings = control.pause(agency, by=actor_name(request))
        assert settings.paused_at is not None  # pause() stamps it
        return Response({"agency": agency.code, "paused": True, "paused_at": settings.paused_at.isoformat()})


class AgencyResume(APIView):
    permission_classes = [OperatorOrAgencyStaff]

    @extend_schema(request=None, responses={200: schema.AGENCY_RESUMED, 403: schema.ERROR, 404: schema.ERROR})
    def post(self, request: Request, code: str) -> Response:
        agency = _agency_in_reach(request, code)
        released = control.resume(agency, by=actor_name(request))
        return Response({"agency": agency.code, "paused": False, "released": released})


class Unreachable(APIView):
    """Agencies that cannot be reached: all of them for operators, their own for agency staff."""

    permission_classes = [OperatorOrAgencyStaff]

    @extend_schema(responses={200: schema.UNREACHABLE, 403: schema.ERROR})
    def get(self, request: Request) -> Response:
        answer = report.unreachable()
        if is_operator(request):
            return Response(answer)
        return Response(_own_only(answer, staff_agency(request)))


def _own_only(answer: dict, agency: Agency | None) -> dict:
    """An agency's staff see their own agency's row only: other agencies' counts, pause state and
    configuration problems are theirs (and their operators') to know."""
    rows = [r for r in answer["results"] if agency is not None and r["agency"]["code"] == agency.code]
    return {
        "agencies": len(rows),
        "unreachable_deliveries": sum(r["unreachable"] for r in rows),
        "dead_deliveries": sum(r["dead"] for r in rows),
        "results": rows,
    }
