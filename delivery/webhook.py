"""POST a signed JSON payload: the webhook channel, and the same for anyone pushing changes
(subscriptions) with the same signing, retries and dead letters."""

import json
import time

from .http import request
from .outcome import Outcome
from .signing import headers


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def post_signed(url: str, secret: str, payload: dict, delivery_id: str, *, kind: str = "") -> Outcome:
    """One attempt. The delivery id is the same on every retry (receivers drop repeats by it);
    the timestamp and signature are fresh each time."""
    if not secret:
        return Outcome(error="no signing secret configured", transient=False, config_problem=True)
    body = encode(payload)
    sent_headers = headers(secret, int(time.time()), body, delivery_id)
    if kind:
        sent_headers["X-Delivery-Kind"] = kind
    outcome, _ = request("POST", url, content=body, headers=sent_headers)
    return outcome
