"""The process's live routing state: the matcher and the responsibility directory.

Both follow one policy. The first use builds the value; after that its version (the active
generations; a stamp of the routing tables) is checked at most once per poll interval, and a
changed version is rebuilt in a background thread while the old value keeps answering, then
swapped in with one assignment. A request takes each value once, so no answer mixes versions, and
a database outage leaves the last value serving.

In serving processes (gunicorn's post_fork calls poll_in_background) one thread of the process
reads the versions instead, so no request waits for those queries (milliseconds each, more when
the database is busy, once a second in every worker).
"""

import logging
import threading
import time
from collections.abc import Callable

from django.db import connection

from boundaries.generations import active_generation_ids

from . import loaders

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0


class LiveValue:
    def __init__(self, name: str, build: Callable, version: Callable, version_of: Callable, poll_seconds=POLL_SECONDS):
        self.name = name
        self._build, self._version, self._version_of = build, version, version_of
        self.poll_seconds = poll_seconds
        self._value = None
        self._value_version = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._building = False
        self.polled_elsewhere = False  # a thread of this process reads the version (poll_in_background)

    def current(self):
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._install(self._version())
                return self._value
        if not self.polled_elsewhere and time.monotonic() - self._checked >= self.poll_seconds:
            self._checked = time.monotonic()
            wanted = self._read_version()
            if wanted is not None and wanted != self._value_version and not self._building:
                self._building = True
                threading.Thread(target=self._rebuild_in_background, args=(wanted,), daemon=True).start()
        return self._value

    def poll(self):
        """Read the version and rebuild in this thread if it moved (the polling thread)."""
        if self._value is None or self._building:
            return
        self._checked = time.monotonic()
        try:
            wanted = self._version()
        except Exception:  # a database outage must not stop routing from memory
            log.warning("cannot read the %s version; keeping %s", self.name, self._value_version)
            connection.close()  # reconnect on the next poll
            return
        if wanted != self._value_version:
            self._building = True
            self._rebuild_in_background(wanted)

    def refresh(self):
        """Rebuild now in this thread if the version moved (commands, tests); returns the value."""
        wanted = self._version()
        with self._lock:
            if self._value is None or wanted != self._value_version:
                self._install(wanted)
            self._checked = time.monotonic()
            return self._value

    def wait_for(self, version, timeout: float = 120.0):
        """Block until the value serves this version (tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._checked = 0.0
            value = self.current()
            if self._value_version == version:
                return value
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} did not reach version {version}")

    def install(self, value):
        """Serve a value built elsewhere (tests and benchmarks reuse one national matcher)."""
        self._value, self._value_version, self._checked = value, self._version_of(value), time.monotonic()

    def reset(self):
        self._value = self._value_version = None

    def _install(self, version):
        started = time.monotonic()
        value = self._build(version)
        self._value, self._value_version = value, version  # one reference: readers see old or new, whole
        self._checked = time.monotonic()
        return started

    def _read_version(self):
        try:
            return self._version()
        except Exception:  # a database outage must not stop routing from memory
            log.warning("cannot read the %s version; keeping %s", self.name, self._value_version)
            return None

    def _rebuild_in_background(self, wanted):
        try:
            started = self._install(wanted)
            log.warning("%s rebuilt for %s in %.1f s", self.name, wanted, time.monotonic() - started)
        except Exception:
            log.exception("rebuilding the %s for %s failed; keeping the old one", self.name, wanted)
        finally:
            connection.close()  # this thread's own connection
            self._building = False


matcher = LiveValue(
    "matcher", build=loaders.build_matcher, version=active_generation_ids, version_of=lambda m: m.generations
)
directory = LiveValue(
    "directory", build=loaders.load_directory, version=loaders.directory_version, version_of=lambda d: d.version
)


def poll_in_background(values=None, interval: float = POLL_SECONDS):
    """Read the live values' versions in a thread of this process from now on, not on requests'
    paths (call it in every serving process after the fork: threads do not survive one)."""
    values = [matcher, directory] if values is None else values

    def run():
        while True:
            time.sleep(interval)
            for value in values:
                try:
                    value.poll()
                except Exception:  # keep polling whatever happens; the old value keeps serving
                    log.exception("polling the %s version failed", value.name)

    for value in values:
        value.polled_elsewhere = True
    threading.Thread(target=run, name="live-poll", daemon=True).start()
