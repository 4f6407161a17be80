"""Layer files under attack (issue 25 items 3, 4 and 10), over real HTTP against the served stack:
one writer per file however many requests arrive, the last file served while a new one is
written, and every answer charged by the bytes it sends."""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
from django.conf import settings
from django.db import connection

from .layers import prepared_layers  # noqa: F401 - a fixture
from .web import get, request

UNIT = 256 * 1024  # bytes per rate unit (docs/layers.md)
OLD = "0000000000000000"  # the version an earlier file is given here


@pytest.fixture(scope="module")
def provinces_light(live_api, prepared_layers, django_db_blocker):  # noqa: F811 - the imported fixture
    from ogc import downloads

    with django_db_blocker.unblock():
        target, _ = downloads.write("provinces", "light")
    yield target
    for found in target.parent.glob("provinces-light-*.fgb"):
        found.unlink()


def url(base, resolution="light"):
    return f"{base}/ogc/collections/provinces/download.fgb?resolution={resolution}"


def jobs_for(cursor, statuses=("todo", "doing", "succeeded", "failed")):
    cursor.execute(
        "SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = 'ogc.write_download:provinces:light'"
        " AND status = ANY(%s)",
        [list(statuses)],
    )
    return cursor.fetchone()[0]


def parallel(address, n=8, **kwargs):
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: get(address, **kwargs), range(n)))


def writers_running(stem_part: str) -> int:
    count = 0
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "ogr2ogr" and stem_part in " ".join(process.info["cmdline"] or ()):
            count += 1
    return count


def test_one_writer_while_the_last_file_is_served(live_api, provinces_light, test_db_url, django_db_blocker):
    """Issue 25 item 3: each request during a write queued another job; five ogr2ogr wrote the same
    file at once. Now: the earlier file is served (stale) meanwhile, and one job writes."""
    from ogc import downloads

    current = provinces_light
    earlier = current.with_name(f"provinces-light-{OLD}.fgb")
    current.rename(earlier)  # as after a new generation: only an earlier file exists
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE queueing_lock = 'ogc.write_download:provinces:light'")
        # A writer on another node holds the file: eight requests get the earlier file, queue nothing,
        # and a second writer here leaves at once.
        with downloads._writer_lock("provinces", "light") as held:
            assert held and downloads.writing("provinces", "light")
            replies = parallel(url(live_api), headers={"Range": "bytes=0-7"})
            assert [r.status for r in replies] == [206] * 8
            assert {r.headers["x-layer-stale"] for r in replies} == {"true"}
            assert {r.headers["x-layer-version"] for r in replies} == {OLD}
            with ThreadPoolExecutor(1) as other:  # another connection: another writer
                assert other.submit(downloads.write, "provinces", "light").result()[1] == downloads.BUSY
            assert jobs_for(cursor) == 0 and not current.exists()
        assert not downloads.writing("provinces", "light")

        # No writer: eight requests at once queue exactly one job.
        replies = parallel(url(live_api), headers={"Range": "bytes=0-7"})
        assert {r.status for r in replies} == {206} and {r.headers["x-layer-stale"] for r in replies} == {"true"}
        assert jobs_for(cursor, ("todo",)) == 1

        # A real worker takes the job; requests while it writes queue nothing; one ogr2ogr at most.
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "procrastinate",
                "worker",
                "--queues",
                "layer_files",
                "--one-shot",
                "--delete-jobs",
                "never",
            ],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": test_db_url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        most, during = 0, []
        deadline = time.monotonic() + 120
        while worker.poll() is None and time.monotonic() < deadline:
            most = max(most, writers_running(f"{connection.settings_dict['NAME']}/.writing-"))
            if jobs_for(cursor, ("doing",)) and len(during) < 3:
                during += parallel(url(live_api), n=4, headers={"Range": "bytes=0-7"})
            time.sleep(0.02)
        assert worker.wait(timeout=5) == 0, worker.stderr.read()[-2000:]
        assert most <= 1
        assert during and {r.status for r in during} == {206}
        assert jobs_for(cursor) == 1 and jobs_for(cursor, ("succeeded",)) == 1  # the one job, and no other
    fresh = get(url(live_api), headers={"Range": "bytes=0-7"})
    assert fresh.status == 206 and "x-layer-stale" not in fresh.headers
    assert current.exists() and not earlier.exists()  # the earlier file removed once the new one is in place


def key_with(rate, django_db_blocker):
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        return IntakeKey.objects.issue(f"files-{time.monotonic_ns()}", rate=rate)[1]


def statuses(address, key, n, **headers):
    return [get(address, headers={"X-API-Key": key, **headers}).status for _ in range(n)]


def test_whole_files_are_charged_by_their_bytes(live_api, provinces_light, django_db_blocker):
    """Issue 25 item 4: the whole file cost 10 units, any Range header 1 even when the whole file
    was sent. Now one unit per request and one per started 256 KiB sent: with a rate of three
    whole files a minute, the fourth request is refused whatever the Range header says."""
    size = provinces_light.stat().st_size
    whole = 1 + -(-size // UNIT)
    assert 4 <= whole <= 20  # the lighter provinces: about 1-4 MB
    rate = f"{3 * whole}/min"
    for form in ({}, {"Range": "bytes=0-"}, {"Range": "bytes=0-1,5-6"}, {"Range": "bytes=junk"}):
        key = key_with(rate, django_db_blocker)
        answered = statuses(url(live_api), key, 5, **form)
        assert answered[3:] == [429, 429], form
        assert set(answered[:3]) == {206 if form.get("Range") == "bytes=0-" else 200}, form
    # a small range costs two units: half the rate's worth of them fit where three whole files do
    key = key_with(rate, django_db_blocker)
    assert set(statuses(url(live_api), key, 3 * whole // 2, Range="bytes=0-99")) == {206}
    # HEAD costs one unit and sends no bytes
    key = key_with(f"{whole}/min", django_db_blocker)
    heads = [request(url(live_api), method="HEAD", headers={"X-API-Key": key}) for _ in range(whole)]
    assert {h.status for h in heads} == {200} and {h.body for h in heads} == {b""}
    assert statuses(url(live_api), key, 1) == [429]


def test_a_flood_of_whole_downloads_is_refused_by_its_bytes(live_api, provinces_light, django_db_blocker):
    """60 anonymous downloads of the national file from one address (10 GB) all finished in 7 s.
    The same limiter charges an address (anonymous) or a key; here a key of 100 units a minute
    (the strict address rate of tests/conftest.py, without a server of its own): at most
    100 x 256 KiB = 25 MiB are sent in its minute, then 429 with Retry-After, nothing sent."""
    size = provinces_light.stat().st_size
    key = key_with("100/min", django_db_blocker)
    sent, refused_at = 0, None
    for n in range(60):
        reply = get(url(live_api), headers={"X-API-Key": key})
        if reply.status == 429:
            refused_at = n
            assert int(reply.headers["retry-after"]) >= 1 and reply.json()["code"] == "Throttled"
            break
        assert reply.status == 200 and len(reply.body) == size
        sent += len(reply.body)
    assert refused_at == 100 // (1 + -(-size // UNIT))  # every download charged in full, none more
    assert sent <= 100 * UNIT
