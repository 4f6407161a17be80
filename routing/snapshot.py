"""Build matcher snapshots from the active generations, and swap them in when those change.

Every request takes `current()` once and uses only that snapshot, so no answer ever mixes
generations; a new snapshot is built beside the old one and replaces it in one assignment.
"""

import logging
import threading
import time

import shapely
from django.db import connection

from boundaries.models import ADMIN_LEVELS, Generation

from .matcher import CELL_BY_LEVEL, DEFAULT_CELL_DEG, LevelIndex, Matcher

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0


def active_generations() -> dict[str, int]:
    return dict(Generation.objects.filter(active=True).values_list("layer", "id"))


def build(generations: dict[str, int] | None = None, cells: dict | None = None) -> Matcher:
    """A matcher over the admin levels of the given (default: active) generations."""
    generations = active_generations() if generations is None else generations
    admin = generations.get("admin")
    levels = []
    if admin is not None:
        with connection.cursor() as cursor:
            for level in ADMIN_LEVELS:
                cursor.execute(
                    "SELECT code, name_th, name_en, parent_code, ST_AsBinary(geom) FROM boundaries_boundary"
                    " WHERE generation_id = %s AND level = %s ORDER BY code",
                    [admin, str(level)],
                )
                rows = cursor.fetchall()
                if not rows:
                    continue
                codes, names_th, names_en, parents, wkb = zip(*rows)
                geoms = shapely.from_wkb([bytes(w) for w in wkb])
                cell = (cells or CELL_BY_LEVEL).get(str(level), DEFAULT_CELL_DEG)
                levels.append(LevelIndex(str(level), admin, codes, names_th, names_en, parents, geoms, cell=cell))
    return Matcher(levels, generations)


class Holder:
    """The process's current snapshot; checks the active generations at most once per POLL_SECONDS."""

    def __init__(self, poll_seconds: float = POLL_SECONDS):
        self.poll_seconds = poll_seconds
        self._matcher: Matcher | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._building = False

    def current(self) -> Matcher:
        matcher = self._matcher
        if matcher is None:
            with self._lock:
                if self._matcher is None:
                    self._matcher = build()
                    self._checked = time.monotonic()
                return self._matcher
        if time.monotonic() - self._checked >= self.poll_seconds:
            self._checked = time.monotonic()
            self._refresh_if_changed(matcher)
        return self._matcher

    def _refresh_if_changed(self, matcher: Matcher):
        try:
            wanted = active_generations()
        except Exception:  # a database outage must not stop routing from memory
            log.warning("cannot read active generations; keeping snapshot %s", matcher.generations)
            return
        if wanted == matcher.generations or self._building:
            return
        self._building = True
        threading.Thread(target=self._rebuild, args=(wanted,), daemon=True).start()

    def _rebuild(self, wanted):
        try:
            started = time.monotonic()
            fresh = build(wanted)
            self._matcher = fresh  # one reference assignment: readers see the old or the new, whole
            log.warning("matcher swapped to generations %s in %.1f s", wanted, time.monotonic() - started)
        except Exception:
            log.exception("building the matcher for %s failed; keeping the old one", wanted)
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()
            self._building = False

    def wait_for(self, generations: dict, timeout: float = 120.0) -> Matcher:
        """Tests and commands: block until the snapshot serves these generations."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._checked = 0.0
            matcher = self.current()
            if matcher.generations == generations:
                return matcher
            time.sleep(0.05)
        raise TimeoutError(f"matcher did not reach generations {generations}")

    def reset(self):
        self._matcher = None


holder = Holder()


def current() -> Matcher:
    return holder.current()
