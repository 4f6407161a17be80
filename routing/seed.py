"""Seed local government, agencies, categories and rules for the whole country. Re-running adds
what is missing and never overwrites what operators edited (contacts, active flags, rules)."""

import json
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction

from boundaries.dopa import official_units
from boundaries.models import Level

from .models import Agency, Category, LocalCoverage, LocalGovernment, RoutingRule
from .rules.tambon_xml import parse_all

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
BANGKOK = "10"
METRO_UTILITY_PROVINCES = ["10", "11", "12"]  # Bangkok, Samut Prakan, Nonthaburi: MWA and MEA
BMA_DIVISIONS = {
    "bma_public_works": ("PW", "ฝ่ายโยธา", "Public Works Division"),
    "bma_cleanliness": ("CL", "ฝ่ายรักษาความสะอาดและสวนสาธารณะ", "Cleanliness and Parks Division"),
    "bma_law_enforcement": ("LE", "ฝ่ายเทศกิจ", "City Law Enforcement Division"),
}


def _national_agencies(provinces: list[str]) -> list[Agency]:
    """The utilities and the police from fixtures/national_agencies.json; their service provinces are
    named by group (the metropolitan utilities' three provinces, or every other province)."""
    groups = {
        "metro": METRO_UTILITY_PROVINCES,
        "outside_metro": [p for p in provinces if p not in METRO_UTILITY_PROVINCES],
        "none": [],
    }
    rows = json.loads((FIXTURES / "national_agencies.json").read_text())
    return [Agency(**{**row, "service_provinces": groups[row["service_provinces"]]}) for row in rows]


def _agency_rows(units):
    official = official_units()
    provinces, districts = official[Level.PROVINCE], official[Level.DISTRICT]
    rows = []
    for code, (name_th, name_en) in provinces.items():
        hall_th = "ศาลาว่าการกรุงเทพมหานคร" if code == BANGKOK else f"ศาลากลางจังหวัด{name_th}"
        hall_en = "Bangkok City Hall" if code == BANGKOK else f"{name_en} Provincial Hall"
        rows.append(
            Agency(code=f"PH-{code}", kind="province_hall", jurisdiction_code=code, name_th=hall_th, name_en=hall_en)
        )
    for code, (name_th, name_en) in districts.items():
        if code.startswith(BANGKOK):
            office_th = f"สำนักงาน{name_th}"
            rows.append(
                Agency(
                    code=f"BKK-{code}",
                    kind="bma_district_office",
                    jurisdiction_code=code,
                    name_th=office_th,
                    name_en=f"{name_en} District Office (BMA)",
                )
            )
            for kind, (suffix, div_th, div_en) in BMA_DIVISIONS.items():
                rows.append(
                    Agency(
                        code=f"BKK-{code}-{suffix}",
                        kind=kind,
                        jurisdiction_code=code,
                        name_th=f"{div_th} {office_th}",
                        name_en=f"{div_en}, {name_en} District Office",
                    )
                )
        else:
            rows.append(
                Agency(
                    code=f"DO-{code}",
                    kind="district_office",
                    jurisdiction_code=code,
                    name_th=f"ที่ว่าการ{name_th}",
                    name_en=f"{name_en} District Office",
                )
            )
    for unit in units:
        rows.append(
            Agency(
                code=unit.code, kind=unit.kind, jurisdiction_code=unit.code, name_th=unit.name_th, name_en=unit.name_en
            )
        )
    rows += _national_agencies(list(provinces))
    return rows


@transaction.atomic
def seed(geocode_dir: Path | None = None) -> dict:
    geocode_dir = geocode_dir or settings.GEO_DATA_DIR / "thailand" / "local-government" / "geocode"
    units = parse_all(geocode_dir)
    existing = set(LocalGovernment.objects.values_list("code", flat=True))
    fresh = [u for u in units if u.code not in existing]
    LocalGovernment.objects.bulk_create(
        [
            LocalGovernment(
                code=u.code,
                kind=u.kind,
                name_th=u.name_th,
                name_en=u.name_en,
                province_code=u.province_code,
                district_code=u.district_code,
                office=Point(u.lon, u.lat, srid=4326) if u.lon is not None else None,
            )
            for u in fresh
        ]
    )
    if "BMA" not in existing:
        LocalGovernment.objects.create(
            code="BMA",
            kind="bma",
            name_th="กรุงเทพมหานคร",
            name_en="Bangkok Metropolitan Administration",
            province_code=BANGKOK,
        )
    ids = dict(LocalGovernment.objects.values_list("code", "id"))
    LocalCoverage.objects.bulk_create(
        [
            LocalCoverage(local_government_id=ids[u.code], subdistrict_code=sub, coverage=how)
            for u in fresh
            for sub, how in u.coverage.items()
        ],
        ignore_conflicts=True,
    )
    Agency.objects.bulk_create(_agency_rows(units), ignore_conflicts=True)
    if not Category.objects.exists():
        Category.objects.bulk_create(Category(**row) for row in json.loads((FIXTURES / "categories.json").read_text()))
    if not RoutingRule.objects.exists():
        categories = dict(Category.objects.values_list("code", "id"))
        RoutingRule.objects.bulk_create(
            RoutingRule(
                category_id=categories[row["category"]] if row["category"] else None,
                area_code=row["area_code"],
                chain=row["chain"],
                priority=row["priority"],
                note=row["note"],
            )
            for row in json.loads((FIXTURES / "rules.json").read_text())
        )
    kinds = Counter(LocalGovernment.objects.values_list("kind", flat=True))
    return {
        "local_government": dict(sorted(kinds.items())),
        "agencies": Agency.objects.count(),
        "uttaradit_agencies": Agency.objects.filter(
            jurisdiction_code__in=[u.code for u in units if u.province_code == "53"]
        ).count()
        + Agency.objects.filter(
            jurisdiction_code__startswith="53", kind__in=["province_hall", "district_office"]
        ).count(),
        "categories": Category.objects.count(),
        "rules": RoutingRule.objects.count(),
    }
