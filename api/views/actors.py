"""Who a request acts as, in a complaint's history: its agency's staff, or an operator. Shared by
the complaint, duplicate, photo and personal-data views."""

from rest_framework.request import Request

from access.auth import staff_agency
from complaints.actors import Actor


def actor_of(request: Request) -> Actor:
    agency = staff_agency(request)
    name = getattr(request.user, "username", "") or str(request.user)
    if agency:
        return Actor("staff", name, agency.code)
    return Actor("operator", name)
