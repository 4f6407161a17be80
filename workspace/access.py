"""Who is looking: an officer acts on their agency's complaints only; an executive (and an operator)
reads everything in their area and changes nothing. Anything outside what a person may see is
answered exactly as a complaint that does not exist (404), so ids cannot be probed."""

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.http import Http404

from complaints.models import Complaint
from routing.models import Agency


@dataclass(frozen=True)
class Viewer:
    user: Any
    agency: Agency | None = None  # an officer's agency: the only one they act for
    area: str | None = None  # an executive's province or district code ("" = the whole country)
    reader: bool = False  # an executive or operator: reads, never acts

    @property
    def can_act(self) -> bool:
        return self.agency is not None and not self.reader

    @property
    def name(self) -> str:
        return self.user.get_username()


def _executive_area(user) -> str | None:
    """The area of an executive profile (access.ExecutiveProfile, when the project has it)."""
    try:
        apps.get_model("access", "ExecutiveProfile")
    except LookupError:
        return None
    profile = getattr(user, "executive", None)
    if profile is None:
        return None
    for name in ("area_code", "district_code", "province_code", "code"):
        value = getattr(profile, name, None)
        if value:
            return str(value)
    return ""


def viewer_of(user) -> Viewer | None:
    """The workspace's view of a signed-in user, or None for someone with no place here."""
    if not getattr(user, "is_authenticated", False):
        return None
    staff = getattr(user, "staff", None) if hasattr(user, "staff") else None
    if staff is not None:
        return Viewer(user, agency=staff.agency)
    area = _executive_area(user)
    if area is not None:
        return Viewer(user, area=area, reader=True)
    if user.is_superuser or user.is_staff:
        return Viewer(user, area="", reader=True)
    return None


def in_area(queryset, area: str | None):
    if not area:
        return queryset
    if len(area) <= 2:
        return queryset.filter(province_code=area)
    if len(area) <= 4:
        return queryset.filter(district_code=area)
    return queryset.filter(subdistrict_code=area)


def visible(viewer: Viewer, queryset=None):
    """The complaints this person may read: an officer's agency's, and those escalated to it (the
    escalation e-mail links there; it reads, the responsible agency acts)."""
    queryset = Complaint.objects.all() if queryset is None else queryset
    if viewer.agency is not None:
        return queryset.filter(Q(agency_id=viewer.agency.id) | Q(escalated_to_id=viewer.agency.id))
    return in_area(queryset, viewer.area)


def acts_on(viewer: Viewer, complaint: Complaint) -> bool:
    """Only the officers of the agency responsible change a complaint."""
    return viewer.agency is not None and not viewer.reader and complaint.agency_id == viewer.agency.id


def complaint_for(viewer: Viewer, complaint_id) -> Complaint:
    found = visible(viewer).select_related("agency", "escalated_to").filter(id=complaint_id).first()
    if found is None:
        raise Http404("no such complaint")
    return found


def complaints_for_action(viewer: Viewer, ids) -> list[Complaint]:
    """All of `ids` for an officer's bulk action, or 404 for the whole action when any is not theirs."""
    if viewer.agency is None or viewer.reader:
        raise Http404("no such complaint")
    wanted = set(ids)
    found = list(Complaint.objects.select_related("agency").filter(id__in=wanted, agency_id=viewer.agency.id))
    if len(found) != len(wanted):
        raise Http404("no such complaint")
    return found
