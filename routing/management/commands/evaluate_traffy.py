from django.conf import settings
from django.core.management.base import BaseCommand

from routing import loaders
from routing.engine.evaluation import traffy_agreement


class Command(BaseCommand):
    help = "Route the real Traffy Fondue Bangkok complaints and compare with the labels the platform recorded."

    def handle(self, *args, **opts):
        data = settings.GEO_DATA_DIR
        agreement = traffy_agreement(
            loaders.build_matcher(),
            data / "traffy" / "traffy_bangkok_dev.csv",
            data / "thailand" / "ocha-cod-ab" / "tambon" / "bangkok.zip",
        )
        for line in agreement.lines():
            self.stdout.write(line)
        for item in sorted(agreement.district_disagreements, key=lambda d: d["metres_to_recorded"] or 1e9):
            self.stdout.write(
                f"  {item['ticket']}: recorded {item['recorded']}, routed {item['routed']},"
                f" {item['metres_to_recorded']} m from the recorded district"
            )
