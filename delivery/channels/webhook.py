from ..models import AgencyDelivery, Delivery
from ..outcome import Outcome
from ..webhook import post_signed


def send(delivery: Delivery) -> Outcome:
    agency = delivery.agency
    # Read at send time: a URL corrected in the admin applies to the next retry.
    url = agency.webhook_url
    if not url:
        return Outcome(error=f"{agency.code} has no webhook URL any more", transient=False, config_problem=True)
    secret = (getattr(delivery, "settings", None) or AgencyDelivery.of(agency.id)).webhook_secret
    return post_signed(url, secret, delivery.payload, str(delivery.uuid), kind=delivery.kind)
