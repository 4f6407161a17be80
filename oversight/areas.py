"""Who may read what: an executive reads one province or district (access.ExecutiveProfile), an
operator (superuser or is_staff) any province; nobody here changes anything.

Other fronts (the officers' inbox read-only for executives) ask `may_read_agency`.
"""

import re
from dataclasses import dataclass

from django.db.models import Q

from access.models import ExecutiveProfile
from boundaries.models import Boundary
from routing.models import Agency

AREA = re.compile(r"[0-9]{2}([0-9]{2})?")


class NotVisible(Exception):
    """The area or agency is not the reader's: the views answer 404 (no hint that it exists)."""


@dataclass(frozen=True)
class Area:
    code: str  # 2 digits (province) or 4 (district)
    name_th: str
    name_en: str

    @property
    def level(self) -> str:
        return "province" if len(self.code) == 2 else "district"

    @property
    def column(self) -> str:
        return "province_code" if self.level == "province" else "district_code"

    def name(self, language: str) -> str:
        return (self.name_en if language == "en" else self.name_th) or self.name_th or self.code


def is_operator(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.is_staff))


def executive_profile(user) -> ExecutiveProfile | None:
    if not user.is_authenticated:
        return None
    return ExecutiveProfile.objects.filter(user=user).first()


def is_reader(user) -> bool:
    return is_operator(user) or executive_profile(user) is not None


def home_area(user) -> str | None:
    """The area a reader's pages open on: the executive's own; None for an operator (they pick)."""
    profile = executive_profile(user)
    return profile.area_code if profile else None


def area_for(user, wanted: str | None) -> Area:
    """The area `user` asked for (or their own), checked: an executive may narrow to a district of
    their province, never leave it; anything else raises NotVisible."""
    profile = executive_profile(user)
    operator = is_operator(user)
    if not operator and profile is None:
        raise NotVisible("not an executive or operator")
    code = (wanted or "").strip() or (profile.area_code if profile else "")
    if not AREA.fullmatch(code):
        raise NotVisible(f"no area {code[:10]!r}")
    if not operator and (profile is None or not code.startswith(profile.area_code)):
        raise NotVisible("outside the reader's area")
    found = named(code)
    if found is None:
        raise NotVisible(f"no area {code}")
    return found


def named(code: str) -> Area | None:
    level = "province" if len(code) == 2 else "district"
    row = Boundary.objects.active().filter(level=level, code=code).values("name_th", "name_en").first()
    return Area(code, row["name_th"], row["name_en"]) if row else None


def provinces() -> list[Area]:
    rows = Boundary.objects.active().filter(level="province").order_by("code").values("code", "name_th", "name_en")
    return [Area(r["code"], r["name_th"], r["name_en"]) for r in rows]


def districts(province_code: str) -> list[Area]:
    rows = (
        Boundary.objects.active()
        .filter(level="district", code__startswith=province_code)
        .order_by("code")
        .values("code", "name_th", "name_en")
    )
    return [Area(r["code"], r["name_th"], r["name_en"]) for r in rows]


def agencies_q(area_code: str) -> Q:
    """Agencies that serve the area: an admin or local-government jurisdiction inside it, or a
    utility serving its province."""
    province = area_code[:2]
    inside = Q(jurisdiction_code__startswith=area_code) & Q(jurisdiction_code__regex=r"^[0-9]+$")
    local = Q(jurisdiction_code__in=_local_governments(area_code))
    return inside | local | Q(service_provinces__contains=[province])


def _local_governments(area_code: str):
    from routing.models import LocalGovernment

    column = "province_code" if len(area_code) == 2 else "district_code"
    return LocalGovernment.objects.filter(**{column: area_code}).values("code")


def may_read_agency(user, agency_code: str) -> bool:
    """May `user` read agency `agency_code`'s inbox (read-only)? Operators: any agency. Executives:
    an agency serving their area, or one that holds a complaint filed in their area."""
    if is_operator(user):
        return Agency.objects.filter(code=agency_code).exists()
    profile = executive_profile(user)
    if profile is None:
        return False
    area = profile.area_code
    if Agency.objects.filter(agencies_q(area), code=agency_code).exists():
        return True
    from complaints.models import Complaint

    column = "province_code" if len(area) == 2 else "district_code"
    return Complaint.objects.filter(agency__code=agency_code, **{column: area}).exists()


def bbox(area: Area) -> list[float] | None:
    row = Boundary.objects.active().filter(level=area.level, code=area.code).values_list("geom", flat=True).first()
    return [round(v, 4) for v in row.extent] if row else None
