"""A fast path in front of a DRF view, for the hot routing endpoint: the common request (a JSON
body, no query string, a plain Accept header, anonymous or with an intake key) is authenticated,
charged and parsed here, without DRF's request wrapper, negotiation and exception machinery.

Anything else, and every request the view would refuse, is handed on to the DRF view unchanged,
so errors keep one shape and one code path: the fast path only ever answers successes. A
request handed on after it was charged carries the throttle's result (access.throttling.CHARGED),
so it is never charged twice.

The body must parse to what api.parsers.parse_json would give: orjson reads the same JSON, but
it turns integers beyond 64 bits into floats where the standard parser keeps them (and refuses
more than MAX_INTEGER_DIGITS), so a body with a run of 20 digits goes the standard way.
"""

import functools
import re

import orjson
from django.http import HttpResponse

from access.auth import keys, presented_key
from access.throttling import CHARGED, charge_client

from .fast_json import FastNegotiation
from .parsers import BodyError, check_document

LONG_NUMBER = re.compile(rb"[0-9]{20}")


class HandOn(Exception):
    """The fast path does not answer this request: the DRF view does."""


def _plain_json_post(meta) -> bool:
    content_type = meta.get("CONTENT_TYPE", "")
    if content_type != "application/json" and content_type.partition(";")[0].strip().lower() != "application/json":
        return False
    return meta.get("HTTP_ACCEPT") in FastNegotiation.PLAIN and not meta.get("QUERY_STRING")


def json_body(request, cost: int = 1) -> dict:
    """The request's JSON object, after authenticating and charging the client; HandOn when the
    request is not a plain JSON POST, uses a session or Basic auth, presents an unknown key, is
    over its rate, or has a body this path does not read exactly as the standard parser would."""
    meta = request.META
    if request.method != "POST" or not _plain_json_post(meta):
        raise HandOn
    # Staff (Basic) and browsers (session, with its CSRF check) go through DRF's authentication.
    if "HTTP_COOKIE" in meta or meta.get("HTTP_AUTHORIZATION", "")[:7].lower() not in ("", "bearer "):
        raise HandOn
    presented = presented_key(request)
    try:
        key = keys.lookup(presented) if presented else None
    except Exception:  # the database away and the key not remembered: DRF answers 503
        raise HandOn from None
    if presented and key is None:
        raise HandOn  # DRF answers 401
    wait = charge_client(key, meta.get("REMOTE_ADDR", ""), cost)
    setattr(request, CHARGED, wait)
    if wait is not None:
        raise HandOn  # DRF answers 429 with Retry-After
    try:
        raw = request.body
    except Exception:  # too large, or cut short: DRF answers in the API's error shape
        raise HandOn from None
    if LONG_NUMBER.search(raw):
        raise HandOn
    try:
        document = orjson.loads(raw)
        check_document(document, strings=b"\\u" in raw)
    except (orjson.JSONDecodeError, BodyError):
        raise HandOn from None
    if not isinstance(document, dict):
        raise HandOn
    return document


def with_fast_path(drf_view, answer, allow: str):
    """A URL callback that tries `answer(request, document) -> bytes` (raising HandOn to decline)
    before `drf_view`; the DRF view's attributes (cls, initkwargs, csrf_exempt) are kept, so the
    OpenAPI document still finds the view."""

    @functools.wraps(drf_view)
    def view(request, *args, **kwargs):
        try:
            content = answer(request, json_body(request))
        except Exception:  # HandOn, or anything the view would refuse: DRF answers, in its shape
            return drf_view(request, *args, **kwargs)
        # Vary: Cookie as the DRF view's answers carry it (its session authentication reads the
        # session), so caches in front see the same headers either way.
        return HttpResponse(content, content_type="application/json", headers={"Allow": allow, "Vary": "Cookie"})

    return view
