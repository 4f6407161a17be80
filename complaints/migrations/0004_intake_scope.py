# Idempotency-Keys and ticket ids scoped by the intake key that filed the complaint (the key and
# the actor columns came with 0003; its backfill set them for earlier rows).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_feed_deadlines"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="complaint", name="one_ticket_per_source"),
        migrations.AlterField(
            model_name="complaint",
            name="intake_key",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="complaints",
                to="access.intakekey",
            ),
        ),
        migrations.AlterField(
            model_name="complaint",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.AlterField(
            model_name="complaint",
            name="source",
            field=models.CharField(default="api", help_text="intake system (its key's name)", max_length=100),
        ),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("client_ticket_id", ""), _negated=True), ("intake_key__isnull", False)),
                fields=("intake_key", "client_ticket_id"),
                name="one_ticket_per_intake_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key__isnull", False), ("intake_key__isnull", False)),
                fields=("intake_key", "idempotency_key"),
                name="one_idempotency_key_per_intake_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("client_ticket_id", ""), _negated=True), ("intake_key__isnull", True)),
                fields=("source", "client_ticket_id"),
                name="one_imported_ticket_per_source",
            ),
        ),
    ]
