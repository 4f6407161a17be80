"""Write prepared layers into a generation with COPY, inside one transaction."""

import shapely
from django.db import connection, transaction

from boundaries.models import Boundary, Generation

from .errors import BoundaryImportError

COLUMNS = ("generation_id", "level", "code", "pcode", "name_th", "name_en", "parent_code", "source", "geom")


# Binary COPY: the geometry travels as EWKB bytes (half the size of hex text, nothing for the
# server to parse), each text field as itself: nothing to escape.
TYPES = ("bigint", "text", "text", "text", "text", "text", "text", "text", "bytea")


def _copy_rows(copy, generation_id: int, level: str, records) -> None:
    wkb = shapely.to_wkb(records.geometry.values, hex=False, include_srid=True, output_dimension=2)
    for row, geom in zip(records.itertuples(index=False), wkb):
        copy.write_row(
            (generation_id, level, row.code, row.pcode, row.name_th, row.name_en, row.parent_code, row.source, geom)
        )


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
        sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types(TYPES)
            for layer_data in prepared:
                _copy_rows(copy, generation.id, layer_data.spec.level, layer_data.records)
    return generation
