"""POST /api/v1/complaints/{id}/confirmation: the reporter's answer to "is it fixed?", relayed by
the intake system that filed the complaint (complaints/confirmation.py)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from access.auth import is_intake
from complaints import commands, confirmation
from complaints.representations import confirmation as confirmation_json
from geo.http.errors import ApiError

from .. import schema


class IntakeOnly(permissions.BasePermission):
    message = "answers come from the intake system that filed the complaint (Authorization: Bearer <key>)"

    def has_permission(self, request, view):
        return is_intake(request)


class ComplaintConfirmation(APIView):
    permission_classes = [IntakeOnly]

    @extend_schema(
        request=schema.CONFIRMATION_REQUEST,
        responses={
            200: schema.CONFIRMATION,
            400: schema.ERROR,
            403: schema.ERROR,
            404: schema.ERROR,
            409: schema.ERROR,
        },
    )
    def post(self, request, complaint_id):
        """{"fixed": true|false, "rating": 1-5, "comment": "..."}: once per question; "not fixed" reopens."""
        try:
            given = confirmation.parse(request.data)
            done = commands.confirm(
                complaint_id, request.user.key.id, given, now=timezone.now(), source=request.user.name
            )
        except confirmation.ConfirmationError as exc:
            details = {"field": exc.field} if exc.field else None
            raise ApiError(exc.status, exc.code, exc.message, details) from None
        out = confirmation_json(confirmation.question_of(done))
        out["status"] = done.complaint.status
        return Response(out)
