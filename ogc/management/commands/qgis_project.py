"""Write the ready-made QGIS project for a server: manage.py qgis_project --base URL --out FILE."""

from pathlib import Path

from django.core.management.base import BaseCommand

from ogc import project


class Command(BaseCommand):
    help = "Write the QGIS project (.qgz, or .qgs by the file's name) with every layer pointing at --base."

    def add_arguments(self, parser):
        parser.add_argument("--base", default="http://127.0.0.1:8000", help="the server's root URL")
        parser.add_argument("--out", default="var/qgis/project.qgz")

    def handle(self, *args, base, out, **options):
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        base = base.rstrip("/")
        if path.suffix == ".qgs":
            path.write_text(project.project_qgs(base), encoding="utf-8")
        else:
            path.write_bytes(project.project_qgz(base))
        self.stdout.write(f"wrote {path} for {base}")
