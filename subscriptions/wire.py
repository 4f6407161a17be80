"""The subscription push over the agencies' delivery machinery: the same signed POST, retry policy
and clock as webhooks to agencies, so receivers verify both the same way."""

from delivery.clock import now
from delivery.outcome import Outcome
from delivery.policy import RetryPolicy
from delivery.webhook import post_signed

KIND = "changes"


def send(url: str, secret: str, body: dict, delivery_id: str) -> Outcome:
    return post_signed(url, secret, body, delivery_id, kind=KIND)


def policy() -> RetryPolicy:
    return RetryPolicy.from_settings()


__all__ = ["now", "policy", "send"]
