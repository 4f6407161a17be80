"""One module per channel; each turns a Delivery into one attempt and an Outcome."""

from ..models import EMAIL, OPEN311, WEBHOOK, Delivery
from ..outcome import Outcome


def send(delivery: Delivery) -> Outcome:
    from . import email, open311, webhook

    senders = {WEBHOOK: webhook.send, OPEN311: open311.send, EMAIL: email.send}
    sender = senders.get(delivery.channel)
    if sender is None:
        return Outcome(error=f"no sender for channel {delivery.channel!r}", transient=False, config_problem=True)
    return sender(delivery)
