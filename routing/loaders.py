"""What the live state is built from: the matcher from the active boundary generations, the
responsibility directory from the routing tables, each with the version that says when to rebuild."""

import hashlib
import json
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import pairwise

import shapely
from django.conf import settings
from django.db import connection

from boundaries import queries
from boundaries.generations import active_generation_ids
from boundaries.models import ADMIN_LEVELS, Generation

from .engine import store
from .engine.level import DEFAULT_CELL_DEG, LevelIndex
from .engine.matcher import CELL_BY_LEVEL, FINEST_FIRST, Matcher, nested
from .engine.nesting import Outline, derivations
from .engine.rings import vertices
from .models import Agency, Category, LocalCoverage, LocalGovernment, RoutingRule
from .rules.records import AgencyInfo, LocalUnitInfo, Rule
from .rules.responsibility import Directory

CONTACT_FIELDS = ("email", "phone", "webhook_url", "open311_endpoint")


def build_matcher(generations: dict[str, int] | None = None, cells: dict | None = None) -> Matcher:
    """A matcher over the admin levels of the given (default: active) generations: mapped from
    the stored index of that snapshot, built and stored first if there is none yet. Other cell
    sizes (tests) build in memory only."""
    generations = active_generation_ids() if generations is None else generations
    admin = generations.get("admin")
    if cells is not None or admin is None:
        return build_matcher_in_memory(generations, cells)
    matcher = store.open_or_build(
        settings.GEO_MATCHER_DIR, matcher_key(generations), lambda: build_matcher_in_memory(generations)
    )
    matcher.warm()
    return matcher


def build_matcher_in_memory(generations: dict[str, int], cells: dict | None = None) -> Matcher:
    admin = generations.get("admin")
    if admin is None:
        return Matcher([], generations)

    def outline(level, rows):
        _, codes, names_th, names_en, parents, wkb = zip(*rows)
        geoms = shapely.from_wkb(list(wkb))
        arrays = vertices(geoms)
        return geoms, Outline(codes, parents, *arrays, shapely.bounds(geoms)), (names_th, names_en)

    def build(level, outlined: Future):
        geoms, shape, names = outlined.result()
        cell = (cells or CELL_BY_LEVEL).get(str(level), DEFAULT_CELL_DEG)
        arrays = (shape.xy, shape.ring_offsets, shape.part_offsets, shape.geom_offsets)
        return LevelIndex(str(level), admin, shape.codes, *names, shape.parent_codes, geoms, cell=cell, arrays=arrays)

    def derivation(finer: Future, coarser: Future):
        (_, fine, _), (_, coarse, _) = finer.result(), coarser.result()
        return derivations(fine, coarse)

    # The levels are built side by side while the next one's rows are read (finest, the largest,
    # first): most of the work is in numba, numpy, shapely and scipy, which release the GIL. The
    # rows are read in this thread (its connection). Whether a coarser level follows from the
    # finer one (nesting.py) is checked on their vertices, beside the building of their grids.
    with ThreadPoolExecutor(max_workers=3 * len(ADMIN_LEVELS)) as pool:
        outlined, built = {}, []
        for level in sorted(ADMIN_LEVELS, key=lambda lv: FINEST_FIRST.index(str(lv))):
            if rows := queries.level_shapes(admin, level):
                outlined[str(level)] = pool.submit(outline, level, rows)
                built.append(pool.submit(build, level, outlined[str(level)]))
        names = list(outlined)
        checks = [
            pool.submit(derivation, outlined[finer], outlined[coarser]) if nested(finer, coarser) else None
            for finer, coarser in pairwise(names)
        ]
        derive = [None] + [check and check.result() for check in checks]
        levels = [future.result() for future in built]
    return Matcher(levels, generations, derive)


def matcher_key(generations: dict[str, int]) -> str:
    """Names one snapshot's stored index: the generation, when it was made (test databases reuse
    ids), the database, the cell sizes and the file format."""
    admin = generations["admin"]
    created = Generation.objects.filter(id=admin).values_list("created", flat=True).first()
    raw = "|".join(
        [
            str(store.FORMAT),
            connection.settings_dict["NAME"],
            str(admin),
            created.isoformat() if created else "",
            json.dumps(CELL_BY_LEVEL, sort_keys=True),
        ]
    )
    return f"g{admin}-{hashlib.sha1(raw.encode()).hexdigest()[:12]}"


def directory_version() -> tuple:
    """Changes whenever a row of the routing tables is added, deleted, saved, or switched on or off."""
    stamp = "count(*) || ':' || count(*) FILTER (WHERE active) || ':' || coalesce(max(updated)::text, '')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT {stamp} FROM routing_agency), (SELECT {stamp} FROM routing_routingrule),"
            f" (SELECT {stamp} FROM routing_category), (SELECT count(*) FROM routing_localgovernment),"
            " (SELECT count(*) FROM routing_localcoverage)"
        )
        return tuple(cursor.fetchone())


def load_directory(stamp: tuple | None = None) -> Directory:
    stamp = directory_version() if stamp is None else stamp
    categories = {c.code: (c.name_th, c.name_en) for c in Category.objects.filter(active=True)}
    rules = [
        Rule(r.id, r.category.code if r.category_id else None, r.area_code, tuple(r.chain), r.priority, r.note)
        for r in RoutingRule.objects.filter(active=True).select_related("category")
    ]
    agencies, by_kind = defaultdict(list), defaultdict(list)
    for a in Agency.objects.filter(active=True).order_by("code"):
        info = AgencyInfo(
            a.code,
            a.name_th,
            a.name_en,
            a.kind,
            a.jurisdiction_code,
            tuple(a.service_provinces),
            tuple(a.categories),
            tuple((f, getattr(a, f)) for f in CONTACT_FIELDS if getattr(a, f)),
        )
        agencies[(a.kind, a.jurisdiction_code)].append(info)
        by_kind[a.kind].append(info)
    units = {
        u.code: LocalUnitInfo(u.code, u.kind, u.name_th, u.name_en, (u.office.x, u.office.y) if u.office else None)
        for u in LocalGovernment.objects.all()
    }
    coverage = defaultdict(list)
    rows = LocalCoverage.objects.values_list("subdistrict_code", "local_government__code", "coverage").order_by(
        "subdistrict_code", "local_government__code"
    )
    for sub, code, how in rows:
        coverage[sub].append((code, how))
    return Directory(categories, rules, dict(agencies), dict(by_kind), units, dict(coverage), stamp)
