"""What a callback said, kept for operators (last_detail, detail); the errors a key already reads
become their status class (docs/delivery.md#outbound), their text moving to the detail."""

import re

from django.db import migrations, models

RECEIVER_WORDS = re.compile(r"^(HTTP \d|cannot connect|timed out|malformed URL|[A-Z]\w+(Error|Exception|Timeout)\b)")
GAVE_UP = re.compile(r"^(gave up after \d+ attempts over (?:\d+ days?, )?\d+:\d\d:\d\d(?:\.\d+)?: )(.*)$", re.S)


def status_class(error: str) -> str | None:
    gave_up = GAVE_UP.match(error)
    if gave_up:
        inner = status_class(gave_up.group(2))
        return None if inner is None else gave_up.group(1) + inner
    status = re.match(r"^HTTP (\d)\d\d", error)
    if status:
        return f"http_{status.group(1)}xx"
    if not RECEIVER_WORDS.match(error):
        return None
    return (
        "timeout" if error.startswith(("timed out", "ReadTimeout", "ConnectTimeout", "WriteTimeout")) else "unreachable"
    )


def classify(apps, schema_editor):
    Subscription = apps.get_model("subscriptions", "Subscription")
    for sub in Subscription.objects.exclude(last_error="").iterator():
        shown = status_class(sub.last_error)
        if shown is not None:
            sub.last_detail, sub.last_error = sub.last_error, shown
            sub.save(update_fields=["last_error", "last_detail"])
    DeadLetter = apps.get_model("subscriptions", "DeadLetter")
    for letter in DeadLetter.objects.exclude(message="").iterator():
        shown = status_class(letter.message)
        if shown is not None:
            letter.detail, letter.message = letter.message, shown
            letter.save(update_fields=["message", "detail"])


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadletter",
            name="detail",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="subscription",
            name="last_detail",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(classify, migrations.RunPython.noop),
    ]
