"""Registering a callback: checked before it is stored (the outbound rules: public addresses,
web ports, no credentials; geo/http/outbound.py), starting from now unless told otherwise."""

from django.conf import settings
from django.db import transaction

from access.models import IntakeKey
from complaints import changes
from geo.http import outbound

from .models import MAX_PER_KEY, Subscription


class SubscriptionError(ValueError):
    def __init__(self, field: str, message: str, status: int = 400, rule: str = ""):
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status, self.rule = field, message, status, rule


def check_url(url: object) -> str:
    if not isinstance(url, str) or not url.strip():
        raise SubscriptionError("callback_url", "an http(s) URL is required")
    url = url.strip()
    if len(url) > 500:
        raise SubscriptionError("callback_url", "at most 500 characters", rule="length")
    try:
        # Resolved here too, so that a name pointing inside is refused now; every push checks again.
        return outbound.check_destination(url, timeout=settings.GEO_DELIVERY_CONNECT_TIMEOUT_S)
    except outbound.Refused as exc:
        raise SubscriptionError("callback_url", f"refused ({exc.rule}): {exc.message}", rule=exc.rule) from None


def register(intake_key: IntakeKey, callback_url: object, after: object = None) -> Subscription:
    """A new subscription of the key. `after`: a feed position to start from (the intake system
    may already have read the feed up to there); default: only changes committed from now on."""
    url = check_url(callback_url)
    if after is not None and not isinstance(after, str):
        raise SubscriptionError("after", "a position from the change feed")
    try:
        start = changes.Position.parse(after) if after else changes.head()
    except changes.FeedError as exc:
        raise SubscriptionError("after", exc.message) from None
    with transaction.atomic():
        # Counted under the key's row lock, so concurrent registrations cannot pass the limit together.
        type(intake_key).objects.select_for_update().filter(id=intake_key.id).first()
        if Subscription.objects.filter(intake_key=intake_key).count() >= MAX_PER_KEY:
            raise SubscriptionError("callback_url", f"a key may have at most {MAX_PER_KEY} subscriptions", 409)
        return Subscription.objects.create(
            intake_key=intake_key, callback_url=url, cursor_txid=start.txid, cursor_id=start.id
        )


def describe(sub: Subscription, *, with_secret: bool = False) -> dict:
    """What the owner may read; the secret only in the answer to the registration."""
    out = {
        "id": sub.id,
        "callback_url": sub.callback_url,
        "created": sub.created.isoformat(),
        "position": sub.cursor.token(),
        "state": "retrying" if sub.pending and sub.attempts else "ok",
        "attempts": sub.attempts,
        "next_attempt_at": sub.next_attempt_at.isoformat() if sub.next_attempt_at else None,
        "last_status": sub.last_status,
        "last_error": sub.last_error or None,
        "delivered_at": sub.delivered_at.isoformat() if sub.delivered_at else None,
        "delivered_changes": sub.delivered_changes,
        "dead_letters": [
            {
                "delivery_id": str(d.delivery_id),
                "after": d.after,
                "next": d.next,
                "changes": d.changes,
                "reason": d.reason,
                "message": d.message,
                "at": d.at.isoformat(),
            }
            for d in sub.dead_letters.all()[:20]
        ],
    }
    if with_secret:
        out["secret"] = sub.secret
    return out
