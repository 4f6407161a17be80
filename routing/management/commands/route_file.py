import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from routing import live
from routing.batch.files import FileError, RouteOptions, rejects_path, route_file


class Command(BaseCommand):
    help = "Route every point of a CSV, Parquet, GeoJSON or GeoPackage file; bad rows go to OUT.rejects.csv."

    def add_arguments(self, parser):
        parser.add_argument("input")
        parser.add_argument("output")
        parser.add_argument("--lon-column", default="lon")
        parser.add_argument("--lat-column", default="lat")
        parser.add_argument("--category-column")
        parser.add_argument("--chunk", type=int, default=50_000, help="rows held in memory at once (per partition)")
        parser.add_argument("--within", type=float, default=50.0, help="snapping distance in metres")
        parser.add_argument(
            "--dask",
            metavar="SCHEDULER",
            help="route on a Dask cluster: a scheduler address (tcp://host:8786), or local[:N] for a"
            " LocalCluster of N worker processes on this machine (default: one per core)",
        )

    def handle(self, *args, **opts):
        matcher, directory = live.matcher.current(), live.directory.current()
        bar = tqdm(unit=" rows", disable=opts["verbosity"] == 0, file=self.stderr)
        options = RouteOptions(
            lon_column=opts["lon_column"],
            lat_column=opts["lat_column"],
            category_column=opts["category_column"],
            chunk=opts["chunk"],
            within_m=opts["within"],
        )
        common = {"matcher": matcher, "directory": directory, "options": options, "progress": bar.update}
        try:
            if opts["dask"]:
                from routing.batch.dask_cluster import route_file_dask  # dask is imported only when asked for

                if opts["verbosity"] < 2:  # the scheduler's and workers' INFO lines would bury the bar
                    logging.getLogger("distributed").setLevel(logging.WARNING)
                summary = route_file_dask(opts["input"], opts["output"], scheduler=opts["dask"], **common)
            else:
                summary = route_file(opts["input"], opts["output"], **common)
        except FileError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            if not opts["dask"]:
                raise
            raise CommandError(f"--dask {opts['dask']}: {exc}") from exc  # e.g. no scheduler there
        finally:
            bar.close()
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items()))
        self.stdout.write(f"{summary.rows} rows: {summary.routed} routed ({statuses}), {summary.rejected} rejected")
        if summary.details:
            d = summary.details
            self.stdout.write(
                f"dask: {d['partitions']} partitions on {d['workers']} workers; cluster reached in"
                f" {d['start_s']:.1f} s, matcher shipped and installed in {d['install_s']:.1f} s,"
                f" routed in {d['route_s']:.1f} s"
            )
        if summary.rejected:
            self.stdout.write(f"rejected rows and their reasons: {rejects_path(Path(opts['output']))}")
