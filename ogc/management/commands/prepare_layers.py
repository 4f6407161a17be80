"""Prepare the lighter default rendition of the active boundaries for the OGC API and tiles, and
the agencies' service areas' default overview (so no client waits for them to be made).

manage.py prepare_layers                 every active generation, unless already prepared
manage.py prepare_layers --generation 3  one generation (active or not); --force redoes it
manage.py prepare_layers --downloads now also write the whole-collection FlatGeobuf files (later: the workers)
manage.py prepare_layers --later         ask the workers to do all this (what `make load` does: until
                                         they are done, layers and tiles are drawn at full resolution)
"""

import time

from django.core.management.base import BaseCommand

from boundaries.models import Generation
from ogc import downloads, lighter, service_areas, tasks


class Command(BaseCommand):
    help = "Precompute the lighter (topology-preserving simplified) boundaries served by default"

    def add_arguments(self, parser):
        parser.add_argument("--generation", type=int, action="append", help="generation id (repeatable)")
        parser.add_argument("--force", action="store_true", help="recompute even if already prepared")
        parser.add_argument(
            "--downloads",
            choices=("now", "later"),
            help="the whole-collection FlatGeobuf files: write them now, or ask the workers to",
        )
        parser.add_argument("--later", action="store_true", help="ask the workers to prepare what is missing")
        parser.add_argument("--after", type=float, default=0, help="with --later: not before this many seconds")

    def handle(self, *args, **opts):
        ids = opts["generation"] or list(Generation.objects.active().values_list("id", flat=True))
        if opts["later"]:  # the job does what is missing: service areas' overviews, files, new generations
            missing = [i for i in ids if not lighter.is_prepared(i)]
            asked = tasks.request_prepare(opts["after"])
            what = f"the lighter rendition of generation(s) {missing}" if missing else "what is missing"
            self.stdout.write(f"lighter layers: {'asked' if asked else 'had asked'} the workers to prepare {what}")
            return
        if not ids:
            self.stdout.write("no active generation: nothing to prepare")
        for generation_id in ids:
            if lighter.is_prepared(generation_id) and not opts["force"]:
                self.stdout.write(f"generation {generation_id}: lighter rendition already prepared")
                continue
            self.stdout.write(f"generation {generation_id}: preparing the lighter rendition")
            lighter.prepare(generation_id, force=opts["force"], stdout=self.stdout)
        if service_areas.refresh() is not None:
            started = time.perf_counter()
            done = service_areas.prepare_overviews()
            self.stdout.write(f"service areas: {done:,} overviews made in {time.perf_counter() - started:.1f} s")
        if opts["downloads"] == "now":
            downloads.write_all(stdout=self.stdout)
        elif opts["downloads"] == "later" and ids and tasks.request_downloads():
            self.stdout.write("whole-collection files: asked the workers to write them")
