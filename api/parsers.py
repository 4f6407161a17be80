"""The one JSON body parser of the native API: what json.loads accepts but nothing after it can
handle is refused here, with a 400 naming the problem, before any view sees the body.

- nesting deeper than MAX_DEPTH (the C decoder recurses: a few thousand levels is a RecursionError);
- a NUL character or a lone surrogate ("\\ud800") in any key or string: PostgreSQL text cannot
  hold the first, and UTF-8 cannot encode the second;
- Infinity/NaN and numbers that overflow a float (1e999): no JSON encoder can write them back;
- integers longer than MAX_INTEGER_DIGITS: float() of them overflows.
"""

import json
import math
from collections.abc import Mapping
from typing import IO, Any, NoReturn

from rest_framework.parsers import BaseParser

from geo.http.errors import ApiError
from params import text_problem

MAX_DEPTH = 64
MAX_INTEGER_DIGITS = 30


class BodyError(ValueError):
    def __init__(self, message: str, code: str = "malformed_request"):
        super().__init__(message)
        self.code = code


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


def check_document(document: object, strings: bool = True) -> None:
    """Depth and (when `strings`) every key and string, walked without recursion."""
    stack: list[tuple[object, int, str]] = [(document, 1, "body")]
    containers = (dict, list)
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
    check_document(document, strings="\\u" in text)
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
            raise ApiError(400, exc.code, f"JSON body: {exc}") from None


class GeoJSONParser(JSONParser):
    media_type = "application/geo+json"
