"""CQL2 text and CQL2 JSON parsed into pygeofilter's syntax tree.

pygeofilter (geopython) does the parsing: its Lark grammar for CQL2 text and its CQL2 JSON walker.
Where it lags the CQL2 1.0 standard we extend it rather than fork it: CQL2's BBOX(...) envelope
literal, T_INTERSECTS and T_DISJOINT (pygeofilter reads T_INTERSECTS as T_OVERLAPS), the 1.0
names T_STARTS/T_STARTEDBY/T_FINISHES/T_FINISHEDBY, S_DWITHIN (a common extension, distance in
metres), the JSON "bbox" literal (pygeofilter swaps its axes), and NOT before any parenthesised
condition (pygeofilter's grammar takes NOT ((a) AND (b)) for a parenthesised expression). Errors come out as FilterError
naming the offending token, for the OGC error shape.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import lark
import pygeofilter.parsers
from pygeofilter import ast, values
from pygeofilter.cql2 import TEMPORAL_PREDICATES_MAP
from pygeofilter.parsers.cql2_json.parser import walk_cql_json
from pygeofilter.parsers.cql2_text.parser import CQLTransformer

from params import parse_moment

TEXT, JSON = "cql2-text", "cql2-json"
LANGUAGES = (TEXT, JSON)
MAX_LENGTH = 20_000  # characters of filter text; beyond that a client is not filtering but attacking


class FilterError(ValueError):
    """A filter the server cannot evaluate; the message names the token."""


@dataclass
class TimeIntersects(ast.TemporalPredicate):
    op = "INTERSECTS"


@dataclass
class TimeDisjointCql2(ast.TemporalPredicate):
    op = "DISJOINT"


TEMPORAL = {
    **TEMPORAL_PREDICATES_MAP,
    "t_intersects": TimeIntersects,
    "t_disjoint": TimeDisjointCql2,
    "t_starts": ast.TimeBegins,
    "t_startedby": ast.TimeBegunBy,
    "t_finishes": ast.TimeEnds,
    "t_finishedby": ast.TimeEndedBy,
}

_GRAMMAR_DIR = Path(pygeofilter.parsers.__file__).parent
_EXTENSION = r"""
%override ?condition_1: predicate
    | "NOT"i condition_1 -> not_
    | "(" condition ")"
%extend spatial_predicate: "S_DWITHIN"i "(" expression "," expression "," full_number ")" -> dwithin
%extend _binary_temporal_predicate_func: "T_DISJOINT"i | "T_STARTS"i | "T_STARTEDBY"i | "T_FINISHES"i
    | "T_FINISHEDBY"i
%extend literal: "BBOX"i "(" full_number "," full_number "," full_number "," full_number ")" -> bbox_literal
%override interval: "INTERVAL"i "(" SINGLE_QUOTED "," SINGLE_QUOTED ")"
%override timestamp: "TIMESTAMP"i "(" SINGLE_QUOTED ")"
"""


class _Transformer(CQLTransformer):
    def binary_temporal_predicate(self, lhs, op, rhs):
        return TEMPORAL[str(op).lower()](lhs, rhs)

    def dwithin(self, lhs, rhs, distance):
        return ast.DistanceWithin(lhs, rhs, distance, "meters")

    def bbox_literal(self, minx, miny, maxx, maxy):
        return values.Envelope(minx, maxx, miny, maxy)

    def timestamp(self, text):
        return _moment(text)

    def interval(self, start, end):
        return values.Interval(*(None if t == ".." else _moment(t) for t in (start, end)))


def _moment(text: str):
    """A CQL2 timestamp: RFC 3339 with Z or an offset (a local time would be ambiguous)."""
    moment = parse_moment(text, require_zone=True)
    if moment is None:
        raise FilterError(f"filter: {text!r} is not an RFC 3339 timestamp with Z or an offset")
    return moment


def _text_parser():
    lark.logger.setLevel(logging.WARNING)  # pygeofilter turns Lark's debug logging on at import
    grammar = (_GRAMMAR_DIR / "cql2_text" / "grammar.lark").read_text()
    return lark.Lark(
        grammar + _EXTENSION,
        parser="lalr",
        maybe_placeholders=False,
        transformer=lark.visitors.v_args(inline=True)(_Transformer)(),
        import_paths=[str(_GRAMMAR_DIR)],
        source_path=str(_GRAMMAR_DIR / "cql2_text" / "grammar.lark"),
    )


_parser = _text_parser()


def parse_text(text: str):
    try:
        return _parser.parse(text)
    except lark.exceptions.UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        if token is not None and getattr(token, "type", "") == "$END":
            raise FilterError("filter: the expression ends too early") from None
        where = f" at column {exc.column}" if getattr(exc, "column", None) not in (None, -1) else ""
        shown = str(token) if token is not None else text[exc.pos_in_stream : exc.pos_in_stream + 20]
        raise FilterError(f"filter: unexpected {shown!r}{where}") from None
    except lark.exceptions.VisitError as exc:  # a literal the transformer refused, e.g. a bad date
        raise FilterError(f"filter: {exc.orig_exc}") from None


def _walk(node):
    """pygeofilter's JSON walker for literals and its operators, with what it lacks handled here;
    arguments are walked here first, so nested operators and literals get the same treatment."""
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return _delegate(node)
    if "bbox" in node and "op" not in node:
        box = node["bbox"]
        if not (isinstance(box, list) and len(box) == 4 and all(_number(v) for v in box)):
            raise FilterError(f"filter: a bbox is [minx, miny, maxx, maxy], got {_short(box)}")
        return values.Envelope(box[0], box[2], box[1], box[3])
    if "timestamp" in node and isinstance(node["timestamp"], str):
        return _moment(node["timestamp"])
    if "interval" in node and isinstance(node["interval"], list) and len(node["interval"]) == 2:
        ends = node["interval"]
        if all(isinstance(t, str) for t in ends):
            return values.Interval(*(None if t == ".." else _moment(t) for t in ends))
    if "op" not in node:
        return _delegate(node)
    op, args = node["op"], node.get("args")
    if not isinstance(op, str):
        raise FilterError(f"filter: op must be a string, got {_short(op)}")
    if not isinstance(args, list):
        raise FilterError(f"filter: {op!r} needs an args array")
    walked = [_walk(a) for a in args]
    if op in ("and", "or"):
        if len(walked) < 2:
            raise FilterError(f"filter: {op!r} needs at least two args")
        return (ast.And if op == "and" else ast.Or).from_items(*walked)
    if op == "not":
        if len(walked) != 1:
            raise FilterError("filter: 'not' takes one arg")
        return ast.Not(walked[0])
    if op == "s_dwithin":
        if len(walked) != 3 or not _number(walked[2]):
            raise FilterError("filter: s_dwithin takes a geometry, a geometry and a distance in metres")
        return ast.DistanceWithin(walked[0], walked[1], walked[2], "meters")
    if op in TEMPORAL:
        if len(walked) != 2:
            raise FilterError(f"filter: {op!r} takes two args")
        return TEMPORAL[op](*walked)
    return _delegate({"op": op, "args": walked})


def _delegate(node):
    try:
        return walk_cql_json(node)
    except FilterError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise FilterError(f"filter: cannot read {_short(node)} ({exc})") from None


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _short(node) -> str:
    text = json.dumps(node, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def parse(text: str, lang: str = TEXT):
    """The syntax tree of a filter in one of LANGUAGES."""
    if len(text) > MAX_LENGTH:
        raise FilterError(f"filter: longer than {MAX_LENGTH} characters")
    try:
        if lang == TEXT:
            return parse_text(text)
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise FilterError(f"filter: not JSON ({exc.msg} at column {exc.colno})") from None
        return _walk(document)
    except RecursionError:
        raise FilterError("filter: nested too deeply") from None
