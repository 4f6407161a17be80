# The national geometries are hundreds of MB compressed in TOAST: lz4 writes them about 2.5x
# faster than PostgreSQL's default pglz at about the same size, and reads them faster too
# (docs/benchmarks.md#first-start). Values already stored keep their compression until rewritten.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("boundaries", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE boundaries_boundary ALTER COLUMN geom SET COMPRESSION lz4",
            "ALTER TABLE boundaries_boundary ALTER COLUMN geom SET COMPRESSION default",
        )
    ]
