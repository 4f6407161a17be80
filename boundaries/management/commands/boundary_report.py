"""The topology report of a generation: overlaps and gaps between sibling boundaries.

    manage.py boundary_report                  the active admin generation
    manage.py boundary_report --generation 3   another one

Loading Thailand no longer waits for it (load_thailand --check-topology still does it there):
the districts and provinces are dissolved from the subdistricts, so they nest by construction,
and the checks cost most of a first load. The result is stored in the generation's report
under "topology" and printed, one line per level as it is done.
"""

import time

import shapely
from django.core.management.base import BaseCommand, CommandError

from boundaries import queries
from boundaries.importing import topology
from boundaries.importing.core import DEFAULT_TOLERANCE_M2
from boundaries.models import ADMIN_LEVELS, DEFAULT_LAYER, Generation


class Command(BaseCommand):
    help = "Overlaps and gaps between sibling boundaries of a generation (stored in its report)"

    def add_arguments(self, parser):
        parser.add_argument("--generation", type=int, help="generation id; default: the active admin generation")
        parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_M2, help="m², below which to ignore")

    def handle(self, *args, **opts):
        if opts["generation"] is not None:
            generation = Generation.objects.filter(id=opts["generation"]).first()
        else:
            generation = Generation.objects.filter(layer=DEFAULT_LAYER, active=True).first()
        if generation is None:
            raise CommandError("no such generation (load one with load_thailand or import_boundaries)")
        tolerance = opts["tolerance"]
        found = {}
        for level in ADMIN_LEVELS:
            started = time.monotonic()
            rows = queries.level_shapes(generation.id, str(level))
            if not rows:
                continue
            codes = [r[1] for r in rows]
            parents = [r[4] for r in rows]
            geoms = shapely.from_wkb([r[5] for r in rows])
            found[str(level)] = {
                "count": len(rows),
                "tolerance_m2": tolerance,
                "overlaps": topology.overlaps(codes, geoms, tolerance),
                "gaps": topology.gaps(parents, geoms, tolerance),
            }
            item = found[str(level)]
            self.stdout.write(
                f"{level}: {len(rows):,} boundaries, {item['overlaps']['count']} overlaps and"
                f" {item['gaps']['count']} gaps above {tolerance:g} m² ({time.monotonic() - started:.1f} s)"
            )
        report = dict(generation.report or {})
        report["topology"] = found
        Generation.objects.filter(id=generation.id).update(report=report)
        self.stdout.write(f"stored in generation {generation.id}'s report")
