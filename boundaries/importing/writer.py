"""Write prepared layers into a generation with COPY, inside one transaction."""

import io

import shapely
from django.db import connection, transaction

from boundaries.models import Boundary, Generation

from .errors import BoundaryImportError

COLUMNS = ("generation_id", "level", "code", "pcode", "name_th", "name_en", "parent_code", "source", "geom")


def _escape(value: str) -> str:
    # COPY text format: backslash, tab and newlines are the only characters that need escaping.
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_rows(generation_id: int, level: str, records) -> io.StringIO:
    wkb = shapely.to_wkb(records.geometry.values, hex=True, include_srid=True, output_dimension=2)
    buffer = io.StringIO()
    for row, geom_hex in zip(records.itertuples(index=False), wkb):
        fields = (row.code, row.pcode, row.name_th, row.name_en, row.parent_code, row.source)
        buffer.write(f"{generation_id}\t{level}\t" + "\t".join(_escape(f) for f in fields) + f"\t{geom_hex}\n")
    buffer.seek(0)
    return buffer


def write_generation(prepared, *, layer, generation_id, description, report, fingerprint_value) -> Generation:
    with transaction.atomic():
        if generation_id is None:
            generation = Generation.objects.create(
                layer=layer, description=description, report=report, fingerprint=fingerprint_value
            )
        else:
            generation = Generation.objects.select_for_update().filter(id=generation_id).first()
            if generation is None:
                raise BoundaryImportError(f"generation {generation_id} does not exist")
            if generation.active:
                raise BoundaryImportError(
                    f"generation {generation_id} is active; import into a new generation and activate that"
                )
            present = set(Boundary.objects.filter(generation=generation).values_list("level", flat=True).distinct())
            clash = present & {p.spec.level for p in prepared}
            if clash:
                raise BoundaryImportError(f"generation {generation_id} already has level(s) {', '.join(sorted(clash))}")
            generation.report.setdefault("layers", []).extend(report["layers"])
            generation.save(update_fields=["report"])
        table = Boundary._meta.db_table
        with connection.cursor() as cursor:
            for layer_data in prepared:
                for start in range(0, len(layer_data.records), 500):
                    chunk = layer_data.records.iloc[start : start + 500]
                    buffer = _copy_rows(generation.id, layer_data.spec.level, chunk)
                    with cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                        copy.write(buffer.getvalue())
    return generation
