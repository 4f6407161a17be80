from django.core.management.base import BaseCommand
from django.db.models import Count

from boundaries.models import Generation


class Command(BaseCommand):
    help = "List boundary generations with their state and counts per level."

    def handle(self, *args, **opts):
        for generation in Generation.objects.all():
            counts = generation.boundaries.values("level").annotate(n=Count("id")).order_by("level")
            levels = ", ".join(f"{row['level']} {row['n']}" for row in counts)
            state = "ACTIVE" if generation.active else "inactive"
            self.stdout.write(
                f"{generation.id:>4} {generation.layer:<12} {state:<8} {generation.created:%Y-%m-%d %H:%M} {levels}"
            )
