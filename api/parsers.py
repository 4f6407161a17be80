"""The one JSON body parser of the native API: what json.loads accepts but nothing after it can
handle is refused here, with a 400 naming the problem, before any view sees the body.

- nesting deeper than MAX_DEPTH (the C decoder recurses: a few thousand levels is a RecursionError);
- a NUL character or a lone surrogate ("\\ud800") in any key or string: PostgreSQL text cannot
  hold the first, and UTF-8 cannot encode the second;
- Infinity/NaN and numbers that overflow a float (1e999): no JSON encoder can write them back;
- integers longer than MAX_INTEGER_DIGITS: float() of them overflows;
- a key given twice in one object ({"lon": 1, "lon": 2}): json.loads keeps the last, silently, where
  another reader may keep the first.
"""

import json
import math
from collections import Counter
from collections.abc import Mapping
from typing import IO, Any, NoReturn

from rest_framework.parsers import BaseParser

from geo.http.errors import ApiError
from params import text_problem

MAX_DEPTH = 64
MAX_INTEGER_DIGITS = 30


class BodyError(ValueError):
    def __init__(self, message: str, code: str = "malformed_request", details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.details = details


def _constant(name: str) -> NoReturn:
    raise BodyError(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(f"the number {text[:40]} is out of range")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BodyError(f"an integer of more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def check_document(document: object, strings: bool = True) -> int:
    """Depth and (when `strings`) every key and string, walked without recursion; the number of
    key-value pairs in the document's objects (for no_duplicates_shown)."""
    stack: list[tuple[object, int, str]] = [(document, 1, "body")]
    containers = (dict, list)
    pairs = 0
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise BodyError(f"{where} {problem}", "invalid")
            continue
        if not isinstance(value, containers):  # a number, true, false or null
            continue
        if depth > MAX_DEPTH:
            raise BodyError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            pairs += len(value)
            if strings:
                for key, item in value.items():
                    problem = text_problem(key)
                    if problem:
                        raise BodyError(f"a key in {where} {problem}", "invalid")
                    if isinstance(item, (dict, list, str)):
                        stack.append((item, depth + 1, key[:40]))
            else:
                stack.extend((item, depth + 1, key) for key, item in value.items() if isinstance(item, containers))
        elif strings:
            stack.extend((item, depth + 1, where) for item in value if isinstance(item, (dict, list, str)))
        else:
            stack.extend((item, depth + 1, where) for item in value if isinstance(item, containers))
    return pairs


def no_duplicates_shown(raw: bytes | str, pairs: int) -> bool:
    """True when the text has no key twice in an object, shown cheaply: a parsed document holding as
    many pairs as the text has colons (every pair has one; a colon in a string only adds to the
    count, and a key given twice leaves one pair fewer in the document). `pairs` may undercount
    (a partial count): then this says False, never True wrongly."""
    colons = raw.count(b":") if isinstance(raw, bytes) else raw.count(":")
    return colons == pairs


MAX_NAMED = 20


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    document = dict(pairs)
    if len(document) < len(pairs):
        twice = [key[:100] for key, count in Counter(key for key, _ in pairs).items() if count > 1][:MAX_NAMED]
        names = ", ".join(repr(key[:40]) for key in twice)
        raise BodyError(f"a key given twice in one object: {names}", "duplicate_key", {"duplicate_keys": twice})
    return document


def duplicate_keys(text: str) -> None:
    """Raises BodyError naming the keys given twice in one object, if any (a second, slower read
    of a text already parsed: only when no_duplicates_shown could not vouch for it)."""
    json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_constant)


def parse_json(raw: bytes) -> Any:
    """A JSON document from UTF-8 bytes, or BodyError saying why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        document = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RecursionError:
        raise BodyError(f"nested more than {MAX_DEPTH} levels deep") from None
    except BodyError:
        raise
    except ValueError as exc:
        raise BodyError(f"not valid JSON: {exc}") from None
    # A NUL or a lone surrogate can only reach a string through a \u escape (the decoder refuses
    # raw control characters, and UTF-8 has no surrogates): without one, only depth is checked.
    pairs = check_document(document, strings="\\u" in text)
    if not no_duplicates_shown(text, pairs):
        duplicate_keys(text)
    return document


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            return parse_json(raw)
        except BodyError as exc:
            raise ApiError(400, exc.code, f"JSON body: {exc}", exc.details) from None


class GeoJSONParser(JSONParser):
    media_type = "application/geo+json"
