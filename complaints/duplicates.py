"""Duplicate candidates: the open complaints of the same category near a point and recent enough,
each with its distance, age and a score.

Finding is one indexed query (ST_DWithin on the partial GiST index over open complaints' geography,
migration 0005), bounded twice: by the category's radius and window, and by FETCH_BOUND rows,
so its cost does not grow with the number of complaints stored. Scoring is plain Python over
those few rows (`score`), so it is tested without a database.

Why rapidfuzz and not PostgreSQL's pg_trgm for the text: the scored rows are already in hand
(at most FETCH_BOUND), the score combines terms computed in Python (the photo hash distance), and
rapidfuzz compares Unicode characters directly, so Thai needs no word segmenter and the result
does not depend on the database's locale or on an extension being installed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from rapidfuzz import fuzz, utils

from .lifecycle import OPEN_STATES
from .models import Complaint

# (radius in metres, window in days) per category; why each: docs/duplicates.md.
DEFAULT_WINDOWS = {
    "street_light": (50, 7),
    "electricity": (50, 7),
    "cleanliness": (50, 3),
    "road": (30, 30),
    "sidewalk": (30, 30),
    "flooding": (500, 2),
    "drain": (50, 14),
    "water_supply": (100, 3),
    "tree": (30, 14),
    "traffic": (100, 1),
    "obstruction": (30, 7),
    "safety": (50, 14),
    "noise": (200, 3),
    "stray_animal": (200, 14),
    "air_pollution": (1000, 2),
    "bridge": (50, 30),
    "canal": (200, 14),
    "sign": (30, 30),
    "homeless": (100, 7),
    "public_transport": (50, 7),
    "toilet": (30, 14),
}
FALLBACK_WINDOW = (30, 3)  # general complaints, suggestions, inquiries, other: narrow on purpose
MAX_RADIUS_M = 2000.0
MAX_DAYS = 90.0
# Rows read from the database before scoring: the nearest ones, whatever the score.
FETCH_BOUND = 50

# Weights of the score's terms; a term that cannot be computed (no text on one side, no photo
# hash) is left out and the others are scaled to sum to 1.
WEIGHTS = {"distance": 0.4, "age": 0.2, "text": 0.25, "photo": 0.15}
# Hamming distance of two 64-bit perceptual hashes at which the photo term reaches 0: unrelated
# photos differ in about half of the 64 bits.
PHOTO_BITS_UNRELATED = 32


# The photos module's lookup: candidate ids -> their photos' 64-bit perceptual hashes.
PhotoHashes = Callable[[list[int]], dict[int, int | Iterable[int]]]


@dataclass(frozen=True)
class Window:
    radius_m: float
    days: float

    @property
    def span(self) -> timedelta:
        return timedelta(days=self.days)


def window(category: str, overrides: dict | None = None) -> Window:
    """The category's radius and window: GEO_DUPLICATE_WINDOWS over the defaults, within bounds."""
    table = settings.GEO_DUPLICATE_WINDOWS if overrides is None else overrides
    radius, days = table.get(category) or DEFAULT_WINDOWS.get(category, FALLBACK_WINDOW)
    return Window(min(max(float(radius), 0.0), MAX_RADIUS_M), min(max(float(days), 0.0), MAX_DAYS))


def text_similarity(a: str, b: str) -> float | None:
    """0..1 over characters (Thai needs no word segmenter); None when either text is empty.

    The plain ratio compares whole texts; a short report inside a longer one ("ไฟดับ" in
    "ไฟถนนดับทั้งซอย") scores through the best-aligned substring, discounted a little."""
    a, b = utils.default_process(a or ""), utils.default_process(b or "")
    if not a or not b:
        return None
    return max(fuzz.ratio(a, b), 0.9 * fuzz.partial_ratio(a, b)) / 100.0


def hash_distance(a: int, b: int) -> int:
    """Bits that differ between two 64-bit perceptual hashes."""
    return ((a ^ b) & (2**64 - 1)).bit_count()


def score(
    distance_m: float,
    age: timedelta,
    win: Window,
    *,
    text: float | None = None,
    photo_distance: int | None = None,
) -> float:
    """0..1, higher is likelier the same problem: a weighted mean of closeness within the radius,
    recency within the window, text similarity and photo similarity (`photo_distance`: Hamming
    distance of the two photos' 64-bit perceptual hashes, or None when either has no photo)."""
    terms = {
        "distance": 1.0 - min(distance_m / win.radius_m, 1.0) if win.radius_m else 1.0,
        "age": 1.0 - min(max(age / win.span, 0.0), 1.0) if win.days else 1.0,
    }
    if text is not None:
        terms["text"] = min(max(text, 0.0), 1.0)
    if photo_distance is not None:
        terms["photo"] = 1.0 - min(photo_distance / PHOTO_BITS_UNRELATED, 1.0)
    total = sum(WEIGHTS[name] for name in terms)
    return round(sum(WEIGHTS[name] * value for name, value in terms.items()) / total, 3)


@dataclass(frozen=True)
class Candidate:
    id: int
    distance_m: float
    age: timedelta
    score: float
    status: str

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "distance_m": round(self.distance_m, 1),
            "age_hours": round(self.age.total_seconds() / 3600.0, 1),
            "status": self.status,
            "score": self.score,
        }


@dataclass(frozen=True)
class Visibility:
    """Whose complaints a caller may be shown: everyone's (None) or one intake key's or agency's."""

    intake_key_id: int | None = None
    agency_id: int | None = None


_OPEN = ", ".join(f"'{state}'" for state in OPEN_STATES)  # constants, and the partial index's predicate
FIND_SQL = f"""
SELECT c.id, ST_Distance(c.location::geography, p.g) AS distance, c.created, c.description, c.status
FROM complaints_complaint c,
     (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS g) p
WHERE c.status IN ({_OPEN})
  AND ST_DWithin(c.location::geography, p.g, %s)
  AND c.parent_id IS NULL
  AND c.categories ? %s
  AND c.created >= %s AND c.created <= %s
  AND c.id <> ALL(%s::bigint[])
  {{visible}}
ORDER BY distance, c.id
LIMIT %s
"""


def find(
    lon: float,
    lat: float,
    category: str,
    *,
    at: datetime,
    description: str = "",
    exclude: tuple = (),
    visibility: Visibility | None = None,
    limit: int | None = None,
    photo_hash: int | None = None,
    photo_hashes_of: PhotoHashes | None = None,
) -> list[Candidate]:
    """Candidates for a report at (lon, lat) of `category` made at `at`, best score first.

    The photo term, for the photos module to wire in: `photo_hash` is the report's 64-bit perceptual
    hash, `photo_hashes_of(ids)` returns the stored hashes of those candidates ({id: hash or list
    of hashes}); the closest pair counts. Without both, or for a candidate without a photo, there
    is no photo term. Merged complaints are never candidates (their parent is); nor is `exclude`.
    """
    win = window(category)
    limit = settings.GEO_DUPLICATE_LIMIT if limit is None else limit
    visible, extra = "", []
    if visibility and visibility.intake_key_id is not None:
        visible, extra = "AND c.intake_key_id = %s", [visibility.intake_key_id]
    elif visibility and visibility.agency_id is not None:
        visible, extra = "AND c.agency_id = %s", [visibility.agency_id]
    args = [lon, lat, win.radius_m, category, at - win.span, at, [int(i) for i in exclude], *extra, FETCH_BOUND]
    with connection.cursor() as cursor:
        cursor.execute(FIND_SQL.format(visible=visible), args)
        rows = cursor.fetchall()
    photo_distances = _photo_distances(photo_hash, photo_hashes_of, [row[0] for row in rows])
    found = [
        Candidate(
            id=cid,
            distance_m=float(distance),
            age=at - created,
            status=status,
            score=score(
                float(distance),
                at - created,
                win,
                text=text_similarity(description, text),
                photo_distance=photo_distances.get(cid),
            ),
        )
        for cid, distance, created, text, status in rows
    ]
    found.sort(key=lambda c: (-c.score, c.distance_m, c.id))
    return found[:limit]


def _photo_distances(photo_hash: int | None, photo_hashes_of: PhotoHashes | None, ids: list[int]) -> dict:
    if photo_hash is None or photo_hashes_of is None or not ids:
        return {}
    out = {}
    for cid, hashes in photo_hashes_of(ids).items():
        hashes = [hashes] if isinstance(hashes, int) else list(hashes or ())
        if hashes:
            out[cid] = min(hash_distance(photo_hash, h) for h in hashes)
    return out


def for_complaint(
    complaint: Complaint,
    *,
    visibility: Visibility | None = None,
    limit: int | None = None,
    photo_hash: int | None = None,
    photo_hashes_of: PhotoHashes | None = None,
) -> list[Candidate]:
    """Candidates for a stored complaint: filed before it, never itself or its own merged reports."""
    category = complaint.categories[0] if complaint.categories else "other"
    children = list(complaint.children.values_list("id", flat=True)) if complaint.pk else []
    return find(
        complaint.location.x,
        complaint.location.y,
        category,
        at=complaint.created,
        description=complaint.description,
        exclude=(complaint.id, *children),
        visibility=visibility,
        limit=limit,
        photo_hash=photo_hash,
        photo_hashes_of=photo_hashes_of,
    )


def answer(candidates: list[Candidate], category: str) -> dict:
    """The `duplicates` member of an answer: the window used and the candidates."""
    win = window(category)
    return {
        "category": category,
        "radius_m": win.radius_m,
        "days": win.days,
        "candidates": [c.as_dict() for c in candidates],
    }
