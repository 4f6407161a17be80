"""What decoding a request's photos costs, charged before any pixel is decoded.

A photo's cost is the pixels its decoding produces, read from its header (processing.measure):
a 7000 x 7000 PNG of 430 KB is 49 megapixels and about a second and a half of a core, a phone's
12-megapixel JPEG a tenth of that. Three bounds, checked in this order before decoding:

- per request: at most GEO_PHOTO_REQUEST_MEGAPIXELS (a 400: the request can never pass);
- across the pool: at most GEO_PHOTO_DECODERS requests decode at once (503 with Retry-After), so
  routing and /livez always find a free worker;
- per payer (an intake key, a staff account, else a client address): GEO_PHOTO_RATE megapixels
  decoded a minute, counted in the shared limiter (429 with Retry-After).

A refused request has decoded nothing and stored nothing: a retry with the same Idempotency-Key
files the complaint once.
"""

import math
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from access import slots, throttling

from .processing import PhotoError

SCOPE = "photo_mp"
RETRY_BUSY_S = 2


class OverBudget(Exception):
    """The payer has decoded its megapixels for now: retry after `wait` seconds."""

    def __init__(self, megapixels: int, wait: float):
        super().__init__(
            f"decoding photos is charged in megapixels ({megapixels} for this request, at least 1 for"
            f" any); this caller's budget of {settings.GEO_PHOTO_RATE} is spent for now"
        )
        self.megapixels = megapixels
        self.wait = max(1, math.ceil(wait))


Busy = slots.Busy


def payer(*, key=None, user=None, address: str = "") -> str:
    """Who pays for decoding: the intake key, else the signed-in account, else the address."""
    if key is not None:
        return f"key:{key.key_hash[:16]}"
    pk = getattr(user, "pk", None)
    if getattr(user, "is_authenticated", False) and pk:
        return f"user:{pk}"
    return f"ip:{address}"


def megapixels(pixels: int) -> int:
    return max(1, math.ceil(pixels / 1_000_000))


DECODERS = "photo-decoders"


def precheck(who: str) -> None:
    """Refuse before the request's body is parsed when its photos could not be decoded now: the
    payer's budget spent (OverBudget; every request with photos costs at least one megapixel,
    charged here, refused or not), or every decoder busy (Busy). A flood of uploads is then
    refused for little of a worker's time, and it spends its sender's budget."""
    wait = throttling.spend(SCOPE, who, 1, settings.GEO_PHOTO_RATE)
    if wait is not None:
        raise OverBudget(1, wait)
    if slots.all_taken(DECODERS, settings.GEO_PHOTO_DECODERS):
        raise Busy(DECODERS, RETRY_BUSY_S)


@contextmanager
def decoding(who: str | None, pixels: int, prepaid: int = 0) -> Iterator[None]:
    """The block may decode `pixels` for `who` (None: an internal caller, not charged or bounded),
    `prepaid` megapixels of it charged already (precheck). Raises PhotoError (too many for one
    request), Busy or OverBudget before the block runs."""
    if who is None:
        yield
        return
    units = megapixels(pixels)
    if units > settings.GEO_PHOTO_REQUEST_MEGAPIXELS:
        raise PhotoError(
            "too_many_pixels",
            f"the photos are {units} megapixels to decode; at most"
            f" {settings.GEO_PHOTO_REQUEST_MEGAPIXELS} per request are accepted",
        )
    # A slot first: a request refused for want of one is not charged.
    with slots.held(DECODERS, settings.GEO_PHOTO_DECODERS, RETRY_BUSY_S, holder=who):
        wait = throttling.spend(SCOPE, who, units - prepaid, settings.GEO_PHOTO_RATE) if units > prepaid else None
        if wait is not None:
            raise OverBudget(units, wait)
        yield
