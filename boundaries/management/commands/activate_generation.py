from django.core.management.base import BaseCommand, CommandError

from boundaries.generations import GenerationError, activate


class Command(BaseCommand):
    help = "Make a generation the active one of its layer, atomically; the previous one is kept."

    def add_arguments(self, parser):
        parser.add_argument("generation", type=int)

    def handle(self, *args, **opts):
        try:
            generation = activate(opts["generation"])
        except GenerationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"generation {generation.id} is now the active '{generation.layer}' generation")
