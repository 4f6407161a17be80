"""Routing a point or a batch against the live state (routing.live): the one service behind
POST /api/v1/route and /route/batch, on the fast path and through DRF alike.

Refusals are the exceptions in REFUSALS, which each front turns into its own error; answers are
typed values that the fronts encode (RouteAnswer.as_dict, api/batch_answer.py).
"""

from dataclasses import dataclass

import numpy as np

from . import live
from .engine.answers import BatchAnswers, Match
from .engine.grid import MAX_WITHIN_M
from .engine.matcher import DEFAULT_WITHIN_M, Matcher
from .engine.points import (
    BatchError,
    BatchTooLarge,
    PointArrays,
    PointError,
    PointInput,
    parse_batch,
    parse_point,
    point_arrays,
)
from .rules.decisions import answer
from .rules.responsibility import Directory, UnknownCategory


class WithinError(ValueError):
    pass


class UnknownCategories(ValueError):
    """Points naming categories the directory does not know: per point its index, id, field and message."""

    def __init__(self, problems: list[dict], known: list[str]):
        super().__init__(f"{problems[0]['message']}; known: {', '.join(known)}")
        self.problems = problems


REFUSALS = (PointError, BatchError, BatchTooLarge, WithinError, UnknownCategories)


def within_of(body) -> float:
    value = body.get("within", DEFAULT_WITHIN_M) if isinstance(body, dict) else DEFAULT_WITHIN_M
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_WITHIN_M:
        raise WithinError(f"within: must be a number of metres within 0..{MAX_WITHIN_M:g}")
    return float(value)


@dataclass(frozen=True, slots=True)
class RouteAnswer:
    """One point's answer. `jurisdictions` and `decision` are shared between answers (computed
    once per key by routing.rules.decisions): read them, never change them."""

    point: PointInput
    match: Match
    generation: int
    jurisdictions: dict
    decision: dict

    def as_dict(self) -> dict:
        point, match = self.point, self.match
        out = {
            "id": point.id,
            "lon": point.lon,
            "lat": point.lat,
            "status": match.status,
            "generation": self.generation,
            "jurisdictions": self.jurisdictions,
            "on_boundary": match.on_boundary,
            "categories": list(point.categories),
            **self.decision,
        }
        snapped = match.snapped_m
        if snapped is not None:
            out["snapped_m"] = snapped
        return out


def answer_for(point: PointInput, match: Match, generation: int, directory: Directory) -> RouteAnswer:
    jurisdictions, decided = answer(directory, generation, match, point.categories, (point.lon, point.lat))
    return RouteAnswer(point, match, generation, jurisdictions, decided)


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    points: PointArrays
    answers: BatchAnswers
    matcher: Matcher
    directory: Directory

    @property
    def generation(self) -> int:
        return self.matcher.generation

    def __len__(self) -> int:
        return len(self.points)

    def one(self, k: int) -> RouteAnswer:
        return answer_for(self.points.point(k), self.answers.match(k), self.matcher.generation, self.directory)


def route(body) -> RouteAnswer:
    """{"lon", "lat", "category"? | "categories"?, "within"?} -> its answer, or a refusal."""
    point = parse_point(body)
    directory = live.directory.current()
    try:
        directory.check_categories(point.categories)
    except UnknownCategory as exc:
        problem = {"index": 0, "id": point.id, "field": "category", "message": str(exc)}
        raise UnknownCategories([problem], sorted(directory.categories)) from None
    matcher = live.matcher.current()
    match = matcher.lookup(point.lon, point.lat, within_of(body))
    return answer_for(point, match, matcher.generation, directory)


def route_batch(body) -> BatchAnswer:
    """{"points": [...]} or a GeoJSON FeatureCollection -> the batch's answers, or a refusal."""
    points = point_arrays(body)
    return route_points(points if points is not None else arrays_of(parse_batch(body)), body)


def route_points(points: PointArrays, body) -> BatchAnswer:
    """Points already read (point_arrays), with the body's options (within)."""
    within = within_of(body)
    directory = live.directory.current()
    _check_categories(points, directory)
    matcher = live.matcher.current()
    return BatchAnswer(points, matcher.lookup_many(points.lons, points.lats, within), matcher, directory)


def arrays_of(points: list[PointInput]) -> PointArrays:
    seen: dict[tuple, int] = {}
    ids = [seen.setdefault(p.categories, len(seen)) for p in points]
    return PointArrays(
        [p.id for p in points],
        np.fromiter((p.lon for p in points), dtype=float, count=len(points)),
        np.fromiter((p.lat for p in points), dtype=float, count=len(points)),
        np.array(ids, dtype=np.int64),
        list(seen),
    )


def _check_categories(points: PointArrays, directory: Directory):
    """Each distinct set once; only when one is unknown, every point's problem (at most 100 shown)."""
    unknown = set()
    for i, categories in enumerate(points.categories):
        try:
            directory.check_categories(categories)
        except UnknownCategory:
            unknown.add(i)
    if not unknown:
        return
    problems = []
    for k, i in enumerate(points.category_ids.tolist()):
        if i in unknown:
            try:
                directory.check_categories(points.categories[i])
            except UnknownCategory as exc:
                problems.append({"index": k, "id": points.ids[k], "field": "category", "message": str(exc)})
    raise UnknownCategories(problems, sorted(directory.categories))
