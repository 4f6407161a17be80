"""The batches of changes a subscription holds (on their way to the callback) or gave up on (dead
letters) are copies of a complaint's changes: the retention job scrubs them with the complaint."""

from complaints.retention import rewrite

from .models import DeadLetter, Subscription


def scrub(complaint, literals: list[str]) -> int:
    if complaint.intake_key_id is None:
        return 0
    subscriptions = Subscription.objects.filter(intake_key_id=complaint.intake_key_id)
    rows = rewrite(subscriptions.filter(pending__isnull=False), {"pending": "json"}, literals)
    return rows + rewrite(DeadLetter.objects.filter(subscription__in=subscriptions), {"body": "json"}, literals)
