"""The subscription push over the agencies' delivery machinery: the same signed POST, retry policy
and clock as webhooks to agencies (delivery app), so receivers verify both the same way."""

KIND = "changes"


def send(url: str, secret: str, body: dict, delivery_id: str):
    from delivery.webhook import post_signed

    return post_signed(url, secret, body, delivery_id, kind=KIND)


def policy():
    from delivery.policy import RetryPolicy

    return RetryPolicy.from_settings()


def now():
    from delivery.clock import now

    return now()
