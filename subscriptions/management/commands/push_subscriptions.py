import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from subscriptions import push, wire
from subscriptions.models import Subscription


class Command(BaseCommand):
    help = "Push every subscription's pending changes now (the workers do this continuously)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="repeat every SECONDS until stopped")

    def handle(self, *args: str, **opts: Any) -> None:
        while True:
            policy = wire.policy()
            for sid in Subscription.objects.values_list("id", flat=True):
                verdict = push.drain(sid, send=wire.send, policy=policy, clock=wire.now)
                self.stdout.write(f"subscription {sid}: {verdict}")
            if not opts["loop"]:
                return
            time.sleep(opts["loop"])
