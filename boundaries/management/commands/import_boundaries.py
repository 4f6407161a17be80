from django.core.management.base import BaseCommand, CommandError

from boundaries.importing import BoundaryImportError, LayerSpec, import_layers, prepare_layer
from boundaries.importing.core import DEFAULT_TOLERANCE_M2, fingerprint
from boundaries.importing.presets import PRESETS
from boundaries.models import DEFAULT_LAYER, Level


class Command(BaseCommand):
    help = "Import one boundary layer (shp, zipped shp, gpkg, GeoJSON) as a new generation. Dry run unless --commit."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--preset", choices=sorted(PRESETS), help="field layout of a known layer")
        parser.add_argument("--level", choices=Level.values)
        parser.add_argument("--code-field")
        parser.add_argument("--name-th-field")
        parser.add_argument("--name-en-field")
        parser.add_argument("--parent-code-field")
        parser.add_argument("--encoding", help="text encoding of the attribute table, e.g. utf-8, cp874")
        parser.add_argument("--file-layer", help="layer name inside a multi-layer file (GeoPackage)")
        parser.add_argument("--srid", type=int, help="CRS to assume when the file states none")
        parser.add_argument("--official-names", action="store_true", help="names from the DOPA list where known")
        parser.add_argument("--layer", default=DEFAULT_LAYER, help="generation layer (default: %(default)s)")
        parser.add_argument("--generation", type=int, help="add to this inactive generation instead of a new one")
        parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_M2, help="m² for overlaps/gaps")
        parser.add_argument("--commit", action="store_true", help="write to the database (default: dry run)")
        parser.add_argument("--activate", action="store_true", help="activate the generation after writing")

    def handle(self, *args, **opts):
        fields = dict(PRESETS.get(opts["preset"], {}))
        for key in ("level", "code_field", "name_th_field", "name_en_field", "parent_code_field", "encoding", "srid"):
            if opts[key] is not None:
                fields[key] = opts[key]
        if opts["official_names"]:
            fields["official_names"] = True
        missing = [flag for flag, key in (("--level", "level"), ("--code-field", "code_field")) if not fields.get(key)]
        if missing:
            raise CommandError(f"give {' and '.join(missing)} or a --preset")
        if opts["activate"] and not opts["commit"]:
            raise CommandError("--activate needs --commit")
        spec = LayerSpec(path=opts["path"], layer=opts["file_layer"], **fields)
        try:
            prepared = prepare_layer(spec, tolerance_m2=opts["tolerance"])
            report = import_layers(
                [prepared],
                layer=opts["layer"],
                generation_id=opts["generation"],
                commit=opts["commit"],
                activate=opts["activate"],
                description=f"import_boundaries {opts['path']}",
                fingerprint_value=fingerprint([opts["path"]]),
            )
        except BoundaryImportError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
