import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from boundaries import thailand
from boundaries.importing import BoundaryImportError, import_layers
from boundaries.importing.core import DEFAULT_TOLERANCE_M2
from boundaries.models import DEFAULT_LAYER, Generation


class Command(BaseCommand):
    help = "Load Thailand's provinces, districts and subdistricts as one new generation. Dry run unless --commit."

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true")
        parser.add_argument("--activate", action="store_true")
        parser.add_argument("--if-needed", action="store_true", help="do nothing when the same files are active")
        parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_M2)
        parser.add_argument(
            "--check-topology", action="store_true", help="report overlaps and gaps now (else: boundary_report)"
        )

    def progress(self, step, count, started):
        self.stdout.write(f"  {step}: {count} ({time.monotonic() - started:.1f} s)")
        self.stdout.flush()

    def handle(self, *args, **opts):
        data_dir = settings.GEO_DATA_DIR
        started = time.monotonic()
        try:
            fingerprint = thailand.national_fingerprint(data_dir)
            current = Generation.objects.filter(layer=DEFAULT_LAYER, active=True, fingerprint=fingerprint).first()
            if opts["if_needed"] and current:
                self.stdout.write(f"Thailand is loaded already: generation {current.id} is active (same files)")
                return
            self.stdout.write("loading Thailand's boundaries (a minute or so; each step as it ends):")
            layers, checks = thailand.national_layers(
                data_dir, opts["tolerance"], opts["check_topology"], progress=self.progress
            )
            step = time.monotonic()
            report = import_layers(
                layers,
                layer=DEFAULT_LAYER,
                commit=opts["commit"],
                activate=opts["activate"],
                description="Thailand: OCHA COD-AB 2022 (full resolution where available) + BMA khwaeng",
                fingerprint_value=fingerprint,
            )
        except BoundaryImportError as exc:
            raise CommandError(str(exc)) from exc
        if report.committed:
            rows = sum(len(layer.records) for layer in layers)
            self.progress("written to PostGIS" + (" and activated" if report.activated else ""), f"{rows:,} rows", step)
            Generation.objects.filter(id=report.generation_id).update(
                report={"layers": report.layers, "dopa_check": checks}
            )
        for line in report.lines():
            self.stdout.write(line)
        if not opts["check_topology"]:
            self.stdout.write("topology (overlaps, gaps) not checked here: manage.py boundary_report")
        for level, check in checks.items():
            self.stdout.write(f"DOPA check {level}: {check['loaded']} loaded, {check['official']} official")
            for item in check["not_in_official_list"]:
                hint = item["official_code_with_same_name"]
                also = f" (the DOPA list has {hint} with that name)" if hint else ""
                self.stdout.write(f"  {item['code']} {item['name_th']} is not in the DOPA list{also}")
            for item in check["official_not_loaded"]:
                self.stdout.write(
                    f"  {item['code']} {item['name_th']} ({item['name_en']}) is in the DOPA list, not in the data"
                )
        self.stdout.write(f"took {time.monotonic() - started:.1f} s")
