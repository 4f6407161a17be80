"""Duplicates: a complaint's candidates, merging a report into the complaint that is worked, and
unmerging it (docs/duplicates.md). The rules are in complaints/duplicates.py and merging.py."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from access.auth import AgencyStaffPermission, sees_personal_data
from complaints import commands, duplicates, merging
from complaints.models import Complaint
from complaints.representations import public
from geo.http.errors import ApiError
from photos.publish import duplicate_terms

from .. import schema
from . import writes
from .actors import actor_of
from .complaints import _checked, _domain_errors, _text, visibility_of

MERGE_REQUEST = inline_serializer(
    "MergeRequest",
    {
        "parent": serializers.IntegerField(help_text="the complaint this report repeats, which is worked"),
        "force": serializers.BooleanField(required=False, help_text="merge although they share no category"),
        "note": serializers.CharField(required=False),
        "expected_revision": serializers.IntegerField(required=False, help_text="409 changed_meanwhile if not"),
    },
)

UNMERGE_REQUEST = inline_serializer(
    "UnmergeRequest",
    {
        "note": serializers.CharField(required=False),
        "expected_revision": serializers.IntegerField(required=False, help_text="409 changed_meanwhile if not"),
    },
)


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ApiError(400, "invalid", "body must be a JSON object")
    return request.data


def _parent_id(body) -> int:
    value = body.get("parent")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise ApiError(400, "invalid", "parent: the id of the complaint to merge into", {"field": "parent"})
    return value


def _force(body) -> bool:
    value = body.get("force", False)
    if not isinstance(value, bool):
        raise ApiError(400, "invalid", "force: true or false", {"field": "force"})
    return value


def _answer(request, complaint: Complaint) -> Response:
    complaint = Complaint.objects.select_related("agency", "escalated_to").get(id=complaint.id)
    out = dict(public(complaint, with_history=True, verbatim=sees_personal_data(request, complaint)))
    out["reports"] = merging.reports(complaint.id)  # api/shapes.ComplaintWithReports
    return Response(out)


class ComplaintDuplicates(APIView):
    """GET: the open complaints this one may repeat, best score first."""

    permission_classes = [AgencyStaffPermission]

    @extend_schema(responses={200: schema.DUPLICATES, 404: schema.ERROR})
    def get(self, request, complaint_id):
        complaint = _checked(self, request, complaint_id)
        category = complaint.categories[0] if complaint.categories else "other"
        found = duplicates.for_complaint(complaint, visibility=visibility_of(request), **duplicate_terms(complaint))
        return Response({"id": complaint.id, **duplicates.answer(found, category)})


class ComplaintMerge(APIView):
    """POST {"parent": id, "force"?, "note"?}: staff of this report's agency merge it into `parent`."""

    permission_classes = [AgencyStaffPermission]

    @extend_schema(
        request=MERGE_REQUEST,
        responses={
            200: schema.COMPLAINT_WITH_REPORTS,
            400: schema.ERROR,
            403: schema.ERROR,
            404: schema.ERROR,
            409: schema.ERROR,
        },
    )
    def post(self, request, complaint_id):
        _checked(self, request, complaint_id)
        body = _body(request)
        parent, force, note = _parent_id(body), _force(body), _text(body, "note")
        expected = writes.expected_of(body)
        done = writes.run(
            request,
            lambda: _domain_errors(
                lambda: commands.merge(
                    complaint_id, parent, actor=actor_of(request), force=force, note=note, expected=expected
                )
            ),
            public,
        )
        return _answer(request, done.complaint)


class ComplaintUnmerge(APIView):
    """POST {"note"?}: the report is worked on its own again."""

    permission_classes = [AgencyStaffPermission]

    @extend_schema(
        request=UNMERGE_REQUEST,
        responses={200: schema.COMPLAINT_WITH_REPORTS, 403: schema.ERROR, 404: schema.ERROR, 409: schema.ERROR},
    )
    def post(self, request, complaint_id):
        _checked(self, request, complaint_id)
        body = _body(request) if request.data else {}
        note, expected = _text(body, "note"), writes.expected_of(body)
        done = writes.run(
            request,
            lambda: _domain_errors(
                lambda: commands.unmerge(complaint_id, actor=actor_of(request), note=note, expected=expected)
            ),
            public,
        )
        return _answer(request, done.complaint)
