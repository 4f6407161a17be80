from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from routing import directory, snapshot
from routing.batchfile import FileError, rejects_path, route_file


class Command(BaseCommand):
    help = "Route every point of a CSV, Parquet, GeoJSON or GeoPackage file; bad rows go to OUT.rejects.csv."

    def add_arguments(self, parser):
        parser.add_argument("input")
        parser.add_argument("output")
        parser.add_argument("--lon-column", default="lon")
        parser.add_argument("--lat-column", default="lat")
        parser.add_argument("--category-column")
        parser.add_argument("--chunk", type=int, default=50_000, help="rows held in memory at once")
        parser.add_argument("--within", type=float, default=50.0, help="snapping distance in metres")

    def handle(self, *args, **opts):
        bar = tqdm(unit=" rows", disable=opts["verbosity"] == 0, file=self.stderr)
        try:
            summary = route_file(
                opts["input"],
                opts["output"],
                matcher=snapshot.current(),
                directory=directory.current(),
                lon_column=opts["lon_column"],
                lat_column=opts["lat_column"],
                category_column=opts["category_column"],
                chunk=opts["chunk"],
                within_m=opts["within"],
                progress=bar.update,
            )
        except FileError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items()))
        self.stdout.write(f"{summary.rows} rows: {summary.routed} routed ({statuses}), {summary.rejected} rejected")
        if summary.rejected:
            self.stdout.write(
                f"rejected rows and their reasons: {rejects_path(__import__('pathlib').Path(opts['output']))}"
            )
