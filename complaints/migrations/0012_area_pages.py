# Issue 24: pages of complaints in one area at 10,000,000 complaints (OGC items, ordered by id). With
# only the area's own index a page read the table in id order and filtered out every other area's
# rows; with (area, id) it reads the area's entries already in id order and stops at the page
# (docs/benchmarks.md#the-complaints-layer). The area indexes stay: LIKE uses their pattern ops.
# Built CONCURRENTLY: filing goes on meanwhile.

from django.db import migrations

AREAS = ("province", "district", "subdistrict")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0011_stat_cells"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS complaint_{area}_pages"
            f" ON complaints_complaint ({area}_code, id)",
            f"DROP INDEX CONCURRENTLY IF EXISTS complaint_{area}_pages",
        )
        for area in AREAS
    ]
