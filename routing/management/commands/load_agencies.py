from django.core.management.base import BaseCommand

from routing.seed import seed


class Command(BaseCommand):
    help = "Seed local government, agencies, categories and rules (adds what is missing; keeps edits)."

    def handle(self, *args, **opts):
        counts = seed()
        lg = ", ".join(f"{kind} {n}" for kind, n in counts["local_government"].items())
        self.stdout.write(f"local government: {lg}")
        self.stdout.write(
            f"agencies: {counts['agencies']} ({counts['uttaradit_agencies']} in Uttaradit);"
            f" categories: {counts['categories']}; rules: {counts['rules']}"
        )
