"""A fast path in front of a DRF view, for the hot routing endpoint: the common request (a JSON
body, no query string, a plain Accept header, anonymous or with an intake key) is authenticated,
charged and parsed here, without DRF's request wrapper, negotiation and exception machinery.

Anything else, and every request the view would refuse, is handed on to the DRF view unchanged,
so errors keep one shape and one code path: the fast path only ever answers successes. It is
transport only: the answer comes from the same service the DRF view calls (routing.service). A
request handed on after it was charged carries the throttle's result (access.throttling.CHARGED),
so it is never charged twice.

The body must parse to what api.parsers.parse_json would give: orjson reads the same JSON, but
it turns integers beyond 64 bits into floats where the standard parser keeps them (and refuses
more than MAX_INTEGER_DIGITS), so a body with a run of 20 digits (19 after a minus sign) goes the
standard way.
"""

import functools
import logging
from collections import Counter

import orjson
from django.http import HttpResponse

from access.auth import keys, presented_key
from access.throttling import CHARGED, charge_client

from .fast_json import FastNegotiation
from .parsers import BodyError, check_document, no_duplicates_shown

log = logging.getLogger(__name__)

# Every digit read as "0", so that a run of 20 digits is one substring search (a regular
# expression takes milliseconds over a batch's body).
DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
TWENTY_DIGITS = b"0" * 20
# Below -2**63 (nineteen digits and a minus sign) orjson gives a float too, where 2**64 - 1 stays exact.
MINUS_NINETEEN_DIGITS = b"-" + b"0" * 19


def _long_number(raw: bytes) -> bool:
    digits = raw.translate(DIGITS_AS_ZERO)
    return TWENTY_DIGITS in digits or MINUS_NINETEEN_DIGITS in digits


class HandOn(Exception):
    """The fast path does not answer this request: the DRF view does."""


NO_QUERY = frozenset({""})


def _plain_json_post(meta, queries) -> bool:
    content_type = meta.get("CONTENT_TYPE", "")
    if content_type != "application/json" and content_type.partition(";")[0].strip().lower() != "application/json":
        return False
    return meta.get("HTTP_ACCEPT") in FastNegotiation.PLAIN and meta.get("QUERY_STRING", "") in queries


def json_body(request, cost: int = 1, queries=NO_QUERY, shallow=None) -> dict:
    """The request's JSON object, after authenticating and charging the client; HandOn when the
    request is not a plain JSON POST (with one of `queries` as its query string), uses a session
    or Basic auth, presents an unknown key, is over its rate, or has a body this path does not
    read exactly as the standard parser would. `shallow(document, raw)` may vouch that the
    document is not nested deeper than the standard parser allows, sparing the walk over it."""
    meta = request.META
    if request.method != "POST" or not _plain_json_post(meta, queries):
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
    if _long_number(raw):
        raise HandOn
    try:
        document = orjson.loads(raw)
        # A NUL or a lone surrogate can only reach a string through a \\u escape (as in parse_json).
        strings = b"\\u" in raw
        if strings or shallow is None or not shallow(document, raw):
            pairs = check_document(document, strings=strings)
        else:
            pairs = _top_pairs(document)
    except (orjson.JSONDecodeError, BodyError):
        raise HandOn from None
    if not isinstance(document, dict) or not no_duplicates_shown(raw, pairs):
        raise HandOn  # a key given twice (or a colon in a string): the standard parser decides
    return document


def _top_pairs(document) -> int:
    """The pairs of the document and of the objects in its top-level lists (the points of a batch):
    all of them when nothing is nested deeper, an undercount otherwise (which hands on)."""
    if not isinstance(document, dict):
        return 0
    inner = (len(item) for value in document.values() if type(value) is list for item in value if type(item) is dict)
    return len(document) + sum(inner)


# Per URL callback (the DRF view's name): how many requests the fast path failed on, in this
# process. Each is also logged with its traceback: a failure here is a bug of the fast path, even
# though the DRF view then answers the request.
failures: Counter[str] = Counter()


def with_fast_path(drf_view, answer, allow: str, declines: tuple = (), **body_options):
    """A URL callback that tries `answer(request, document) -> bytes` before `drf_view`; HandOn
    or one of `declines` (the refusals `answer` may raise) hands the request to `drf_view`, which
    answers it in its own shape. Any other exception is logged, counted in `failures`, and the
    request handed on too. The DRF view's attributes (cls, initkwargs, csrf_exempt) are kept, so
    the OpenAPI document still finds the view. `body_options`: json_body's queries and shallow."""
    handed_on = (HandOn, *declines)
    name = getattr(getattr(drf_view, "cls", None), "__name__", drf_view.__name__)

    @functools.wraps(drf_view)
    def view(request, *args, **kwargs):
        try:
            content = answer(request, json_body(request, **body_options))
        except handed_on:
            return drf_view(request, *args, **kwargs)
        except Exception:
            failures[name] += 1
            log.exception("the fast path of %s failed (%d so far in this process); DRF answers", name, failures[name])
            return drf_view(request, *args, **kwargs)
        # Vary: Cookie as the DRF view's answers carry it (its session authentication reads the
        # session), so caches in front see the same headers either way.
        return HttpResponse(content, content_type="application/json", headers={"Allow": allow, "Vary": "Cookie"})

    return view
