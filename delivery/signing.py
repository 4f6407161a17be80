"""Signed webhooks: X-Signature = sha256=HMAC-SHA256(secret, f"{timestamp}.{body}") with the
timestamp in X-Timestamp, so a receiver can check who sent it and refuse old replays."""

import hashlib
import hmac

TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(secret: str, timestamp: int, body: bytes, delivery_id: str) -> dict:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Delivery-Id": delivery_id,
        "X-Timestamp": str(timestamp),
        "X-Signature": signature(secret, timestamp, body),
    }


def verify(secret: str, timestamp: str, body: bytes, given: str, now: float, tolerance: float = TOLERANCE_S) -> bool:
    """True when the signature matches and the timestamp is within the tolerance of now."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent, body), given or "")
