# Duplicates: a merged report's parent, and the index that finds duplicate candidates cheaply.

import django.db.models.deletion
from django.db import migrations, models

# Open complaints only (the candidates' predicate, complaints/duplicates.py): the index stays the
# size of the backlog, not of every complaint ever filed. Geography, so ST_DWithin takes metres.
OPEN_GEOGRAPHY_INDEX = """
CREATE INDEX complaint_open_geography ON complaints_complaint USING gist ((location::geography))
WHERE status IN ('waiting', 'in_progress', 'forwarded', 'follow_up')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_intake_scope"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="merged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="complaint",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="children",
                to="complaints.complaint",
            ),
        ),
        migrations.RunSQL(OPEN_GEOGRAPHY_INDEX, "DROP INDEX IF EXISTS complaint_open_geography"),
    ]
