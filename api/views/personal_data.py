"""Personal data on request (PDPA): a reporter's subject-access export and erasure (operators only),
and moderation of a complaint's public text (staff of its agency, or operators)."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.auth import AgencyStaffPermission, is_operator
from complaints import commands, moderation, subject_access
from complaints.models import Complaint
from complaints.representations import public
from geo.http.errors import ApiError

from .. import schema
from .actors import actor_of


class OperatorOnly(permissions.BasePermission):
    message = "personal data requests are handled by the platform's operators (staff accounts)"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_operator(request)


def _contact(request: Request) -> str:
    body = request.data if isinstance(request.data, dict) else {}
    try:
        return subject_access._checked(body.get("contact"))
    except subject_access.SubjectError as exc:
        raise ApiError(400, "invalid", exc.message, {"field": "contact"}) from None


# The contact travels in a POST body, not the URL: URLs end up in access logs.
class PersonalDataExport(APIView):
    permission_classes = [OperatorOnly]

    @extend_schema(
        request=schema.CONTACT_REQUEST,
        responses={200: schema.SUBJECT_ACCESS_EXPORT, 400: schema.ERROR, 403: schema.ERROR},
    )
    def post(self, request: Request) -> Response:
        """{"contact": "..."}: everything held about the reporter who gave this contact."""
        return Response(subject_access.export(_contact(request)))


class PersonalDataErase(APIView):
    permission_classes = [OperatorOnly]

    @extend_schema(
        request=schema.CONTACT_REQUEST, responses={200: schema.ERASURE, 400: schema.ERROR, 403: schema.ERROR}
    )
    def post(self, request: Request) -> Response:
        """{"contact": "..."}: remove the reporter's personal data now; the complaints stay."""
        done = subject_access.erase(_contact(request), actor_of(request))
        return Response({"anonymised": done.complaints, "copies_rewritten": done.rows})


class ComplaintModeration(APIView):
    permission_classes = [AgencyStaffPermission]

    @extend_schema(
        request=schema.MODERATION_REQUEST,
        responses={200: schema.COMPLAINT, 400: schema.ERROR, 403: schema.ERROR, 404: schema.ERROR},
    )
    def post(self, request: Request, complaint_id: int) -> Response:
        """{"target": "description"|"note", "entry": <history id for a note>, "reason": "...", "hidden": true}."""
        complaint = Complaint.objects.filter(id=complaint_id).first()
        if complaint is None:
            raise ApiError(404, "not_found", "no such complaint")
        self.check_object_permissions(request, complaint)
        body = request.data if isinstance(request.data, dict) else {}
        hidden = body.get("hidden", True)
        if not isinstance(hidden, bool):
            raise ApiError(400, "invalid", "hidden: true or false", {"field": "hidden"})
        try:
            commands.hide(
                complaint_id,
                target=str(body.get("target") or ""),
                actor=actor_of(request),
                reason=body.get("reason"),
                entry_id=body.get("entry"),
                hidden=hidden,
            )
        except moderation.ModerationError as exc:
            raise ApiError(400, "invalid", str(exc), {"field": exc.field}) from None
        complaint = Complaint.objects.select_related("agency", "escalated_to").get(id=complaint_id)
        return Response(public(complaint, with_history=True, verbatim=True))
