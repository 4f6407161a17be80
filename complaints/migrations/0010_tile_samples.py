# Issue 24: the complaints layer's tiles at 10,000,000 complaints (complaints/layer_queries.py). A
# tile over more than TILE_CAP complaints holds an even sample, the complaints whose id is a multiple
# of 8, 64 or 512; each rate has its own partial index, so a zoom-10 tile over Bangkok reads a
# sixty-fourth of its points, not all of them. Built CONCURRENTLY: filing goes on meanwhile.

from django.db import migrations

RATES = (8, 64, 512)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0008_inbox_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS complaint_location_1_in_{rate}"
            f" ON complaints_complaint USING gist (location) WHERE id % {rate} = 0",
            f"DROP INDEX CONCURRENTLY IF EXISTS complaint_location_1_in_{rate}",
        )
        for rate in RATES
    ]
