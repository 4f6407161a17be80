"""CQL2 filters select exactly what the same predicate written by hand in SQL selects.

1,000 seeded expressions (tests/cql2_cases.py) over every collection's queryables: comparisons,
LIKE, IN, BETWEEN, IS NULL, AND/OR/NOT, the temporal operators on complaint times, S_INTERSECTS,
S_DISJOINT, S_WITHIN and S_DWITHIN. The expected side is plain SQL on the tables (local
government and service areas as real unions of their boundaries), not the code under test.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from ogc import crs, features, filters, service_areas
from ogc.providers import REGISTRY as COLLECTIONS

from .cql2_cases import Generator, Spec

pytestmark = pytest.mark.django_db
CHIANG_MAI = (97.3, 17.2, 99.6, 20.2)
BANGKOK = (100.33, 13.5, 100.95, 14.0)
SHARES = {"complaints": 550, "subdistricts": 200, "local_government": 125, "service_areas": 125}


def _rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _samples(sql, params=()):
    return [*sorted({r[0] for r in _rows(sql, params) if r[0] is not None and "'" not in r[0]}), "zz-none"]


def _complaints():
    from complaints.models import Complaint
    from routing.models import Agency

    rnd = random.Random(1616)
    agencies = list(Agency.objects.filter(jurisdiction_code__startswith="10").order_by("code")[:12])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    made = []
    for _ in range(400):
        x, y = rnd.uniform(BANGKOK[0], BANGKOK[2]), rnd.uniform(BANGKOK[1], BANGKOK[3])
        made.append(
            Complaint(
                location=Point(x, y, srid=4326),
                status=rnd.choice(["waiting", "in_progress", "forwarded", "follow_up", "finished", "irrelevant"]),
                agency=rnd.choice(agencies) if rnd.random() < 0.8 else None,
                province_code="10",
                district_code=rnd.choice(["1001", "1002", "1003", "1010", "1050"]),
                subdistrict_code=rnd.choice(["100101", "100102", "100201", "101001", "105001"]),
                reopen_count=rnd.randint(0, 3),
                categories=["road"],
                created=start + timedelta(seconds=rnd.randint(0, 86_400 * 500), microseconds=rnd.randint(0, 999_999)),
            )
        )
    made = Complaint.objects.bulk_create(made)
    for c in made:  # updated is auto_now: set it after, in SQL, a while after filing
        c.updated = c.created + timedelta(hours=rnd.randint(0, 2000), microseconds=rnd.randint(0, 999_999))
    Complaint.objects.bulk_update(made, ["updated"])
    return [c.id for c in made]


def _unions():
    """Real unions, to check the per-part evaluation of local government and service areas."""
    _rows(
        """CREATE TEMP TABLE cql2_lg ON COMMIT DROP AS
        SELECT lg.id, lg.code, lg.kind, lg.name_th, lg.name_en, lg.district_code, ST_Union(b.geom) AS geom
        FROM routing_localgovernment lg
        JOIN routing_localcoverage c ON c.local_government_id = lg.id
        JOIN boundaries_boundary b ON b.code = c.subdistrict_code AND b.level = 'subdistrict'
        JOIN boundaries_generation g ON g.id = b.generation_id AND g.active
        WHERE lg.province_code = '50' GROUP BY lg.id"""
    )
    service_areas.refresh()
    _rows(
        """CREATE TEMP TABLE cql2_sa ON COMMIT DROP AS
        SELECT a.id, a.code, a.kind, a.jurisdiction_code, a.name_en, s.area_source, s.coverage,
               COALESCE(a.service_area,
                        (SELECT ST_Union(b.geom) FROM boundaries_boundary b WHERE b.id = ANY(s.parts))) AS geom
        FROM ogc_servicearea s JOIN routing_agency a ON a.id = s.agency_id
        WHERE a.jurisdiction_code LIKE '50%%'"""
    )


def _cases(ids):
    times = [r[0] for r in _rows("SELECT created FROM complaints_complaint WHERE id = ANY(%s)", [ids])]
    updates = [r[0] for r in _rows("SELECT updated FROM complaints_complaint WHERE id = ANY(%s)", [ids])]
    complaint_codes = _samples(
        "SELECT code FROM routing_agency WHERE jurisdiction_code LIKE '10%%' ORDER BY code LIMIT 12"
    )
    return {
        "complaints": (
            Spec(
                strings={
                    "status": ("c.status", ["waiting", "in_progress", "finished", "forwarded", "follow_up"]),
                    "agency": ("a.code", complaint_codes),
                    "district_code": ("c.district_code", ["1001", "1002", "1003", "1010", "1050", "1099"]),
                    "subdistrict_code": ("c.subdistrict_code", ["100101", "100102", "101001", "105001"]),
                },
                ints={"reopen_count": ("c.reopen_count", (0, 3))},
                times={"created": ("c.created", times), "updated": ("c.updated", updates)},
                geometry="c.location",
                area=BANGKOK,
            ),
            "SELECT c.id FROM complaints_complaint c LEFT JOIN routing_agency a ON a.id = c.agency_id"
            " WHERE c.id = ANY(%s) AND ({sql})",
            [ids],
            {"id__in": ids},
            "id",
        ),
        "subdistricts": (
            Spec(
                strings={
                    name: (f"b.{name}", _samples(f"SELECT {name} FROM boundaries_boundary WHERE code LIKE '50%%'"))
                    for name in ("code", "parent_code", "name_en", "name_th")
                },
                geometry="b.geom",
                area=CHIANG_MAI,
            ),
            "SELECT b.code FROM boundaries_boundary b JOIN boundaries_generation g ON g.id = b.generation_id"
            " AND g.active WHERE b.level = 'subdistrict' AND b.code LIKE %s AND ({sql})",
            ["50%"],
            {"code__startswith": "50"},
            "code",
        ),
        "local_government": (
            Spec(
                strings={
                    name: (f"u.{name}", _samples(f"SELECT {name} FROM cql2_lg"))
                    for name in ("code", "kind", "name_en", "name_th", "district_code")
                },
                geometry="u.geom",
                area=CHIANG_MAI,
            ),
            "SELECT u.code FROM cql2_lg u WHERE ({sql})",
            [],
            {"province_code": "50"},
            "code",
        ),
        "service_areas": (
            Spec(
                strings={
                    name: (f"u.{name}", _samples(f"SELECT {name} FROM cql2_sa"))
                    for name in ("code", "kind", "jurisdiction_code", "name_en", "area_source", "coverage")
                },
                geometry="u.geom",
                area=CHIANG_MAI,
            ),
            "SELECT u.code FROM cql2_sa u WHERE ({sql})",
            [],
            {"agency__jurisdiction_code__startswith": "50"},
            "agency__code",
        ),
    }


def test_cql2_equals_hand_written_sql_on_1000_expressions(thailand, agencies):
    ids = _complaints()
    _unions()
    checked, nonempty, partial, failures = 0, 0, 0, []
    for seed, (collection_id, (spec, sql, params, narrow, key)) in enumerate(_cases(ids).items()):
        generator = Generator(spec, seed=16 + seed)
        universe = None
        for _ in range(SHARES[collection_id]):
            text, where, values = generator.expression()
            expected = {r[0] for r in _rows(sql.format(sql=where), params + values)}
            collection = COLLECTIONS[collection_id]
            condition = filters.condition(text, "cql2-text", collection, crs.DEFAULT)
            qs = features.select(collection, condition=condition).qs.filter(**narrow)
            got = set(qs.values_list(key, flat=True))
            if universe is None:
                universe = set(features.queryset(collection).filter(**narrow).values_list(key, flat=True))
            checked += 1
            nonempty += bool(expected)
            partial += 0 < len(expected) < len(universe)
            if got != expected:
                failures.append((collection_id, text, sorted(expected - got)[:5], sorted(got - expected)[:5]))
    assert checked == 1000
    assert failures == [], failures[:5]
    # the expressions select something, and not everything, often enough to mean something
    assert nonempty > 500 and partial > 350, (nonempty, partial)


def test_hostile_filters_are_named_400s_not_500s():
    """Each is refused with a FilterError (the view's 400) naming what is wrong."""
    districts = COLLECTIONS["districts"]
    cases = [
        ("S_INTERSECTS(geometry, POINT(1e400 1))", "finite"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 0)))", "not valid"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "Self-intersection"),
        ("S_DWITHIN(geometry, POINT(1 2), -5)", "metres"),
        ("S_INTERSECTS(geometry, BBOX(1e400, 1, 2, 3))", "finite"),
        ("S_CONTAINS(geometry, POINT(100 13))", "not supported"),
        ("code > 1e400", "code is compared"),
        ("NOT " * 4000 + "code = 'x'", "nested too deeply"),
        ("code = 'x' OR " * 1400 + "code = 'y'", "nested too deeply"),
        ("x" * 20_001, "longer than"),
    ]
    for text, expected in cases:
        with pytest.raises(filters.FilterError, match=expected):
            filters.condition(text, "cql2-text", districts, crs.DEFAULT)
    deep = '{"op":"not","args":[' * 850 + '{"op":"=","args":[{"property":"code"},"x"]}' + "]}" * 850
    with pytest.raises(filters.FilterError, match="nested too deeply"):
        filters.condition(deep, "cql2-json", districts, crs.DEFAULT)
    with pytest.raises(filters.FilterError, match="cannot be placed"):
        filters.condition("S_INTERSECTS(geometry, POINT(1e30 1e30))", "cql2-text", districts, crs.lookup("EPSG:32647"))
