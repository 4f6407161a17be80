"""Attempt.detail: what a receiver said, for operators; the errors already recorded become their
status class (docs/delivery.md#outbound), their text moving to the detail."""

import re

from django.db import migrations, models

# Errors written before: "HTTP 500 ...", "cannot connect: ...", "timed out: ...", "SMTP 550: ...",
# "RemoteProtocolError: ...", or a receiver's answer after a non-2xx status. Our own words about
# a missing URL, key or secret are kept as they are.
RECEIVER_WORDS = re.compile(
    r"^(HTTP \d|cannot connect|timed out|SMTP|malformed URL|[A-Z]\w+(Error|Exception|Timeout)\b)"
)


def status_class(error: str, status) -> str | None:
    if status is not None and not 200 <= status < 300 and status >= 100:
        return f"http_{status // 100}xx" if status < 600 else "unreachable"
    if not RECEIVER_WORDS.match(error):
        return None
    if error.startswith(("timed out", "ReadTimeout", "ConnectTimeout", "WriteTimeout", "PoolTimeout")):
        return "timeout"
    return "unreachable"


def classify(apps, schema_editor):
    Attempt = apps.get_model("delivery", "Attempt")
    for attempt in Attempt.objects.exclude(error="").iterator():
        shown = status_class(attempt.error, attempt.status_code)
        if shown is not None and shown != attempt.error:
            attempt.detail, attempt.error = attempt.error, shown
            attempt.save(update_fields=["error", "detail"])
    Delivery = apps.get_model("delivery", "Delivery")
    for delivery in Delivery.objects.exclude(last_error="").iterator():
        shown = status_class(delivery.last_error, delivery.last_status)
        if shown is not None:
            delivery.last_error = shown
            delivery.save(update_fields=["last_error"])


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="detail",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(classify, migrations.RunPython.noop),
    ]
