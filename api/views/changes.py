import dataclasses
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import params
from access.auth import intake_key_of, staff_agency
from complaints import changes
from geo.http.errors import ApiError

from .. import schema

T = TypeVar("T")


def scope_of(request: Request) -> changes.Scope:
    """An intake key reads its own complaints' changes, staff their agency's, anyone else what is public."""
    key = intake_key_of(request)
    if key is not None:
        return changes.Scope(intake_key_id=key.id)
    agency = staff_agency(request)
    if agency is not None:
        return changes.Scope(agency_id=agency.id)
    if getattr(request.user, "is_superuser", False):
        return changes.Scope()
    if settings.GEO_PUBLIC_READ:
        return changes.Scope(tickets=False)  # the public: no intake system's ticket ids
    if not getattr(request.user, "is_authenticated", False):
        raise ApiError(401, "not_authenticated", "reading changes needs an intake key or a staff account")
    raise ApiError(403, "permission_denied", "this account reads no agency's changes")


def feed_errors(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except changes.FeedError as exc:
        raise params.bad(exc.field, exc.message) from None


class Changes(APIView):
    """Every change to the complaints the caller may see, in commit-safe order; follow `next`."""

    @extend_schema(
        operation_id="changes_list",
        parameters=schema.CHANGES_PARAMETERS,
        responses={200: schema.CHANGES_PAGE, 400: schema.ERROR, 401: schema.ERROR},
    )
    def get(self, request: Request) -> Response:
        q = request.query_params
        limit = params.integer(q, "limit", default=100, minimum=1, maximum=changes.MAX_LIMIT)
        complaint = params.integer(q, "complaint", minimum=1, maximum=2**63 - 1)
        scope = scope_of(request)
        if complaint is not None:
            scope = dataclasses.replace(scope, complaint_id=complaint)
        page = feed_errors(lambda: changes.read(scope, changes.Position.parse(q.get("after")), limit))
        return Response({"changes": page.changes, "next": page.next.token(), "more": page.more})
