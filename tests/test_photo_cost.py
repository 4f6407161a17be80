"""Photos cannot stall the service (issue #25, item 1): decoding is charged from the header before
any pixel is decoded (photos/cost.py), at most GEO_PHOTO_DECODERS requests decode at once, and a
key's megapixels per minute are bounded. The attack over real HTTP against the served stack
(tests/conftest.py's front_server: nginx, two `app` workers): one intake key sends filings of three
7000 x 7000 PNGs (49 megapixels, a few hundred kilobytes each) from four threads as fast as it can,
while /livez and routing are timed."""

import io
import json
import statistics
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw

from complaints.models import Complaint
from photos import cost, processing, store
from photos.models import Photo

from . import photo_files as files

CACHE = Path(__file__).resolve().parent.parent / "var" / "test-output" / "photo-cost"
EDGE = 7000  # 49 megapixels: under the 50-megapixel limit per photo
ATTACK_S = 8.0  # at least; until the key has been refused for its budget
ATTACKERS = 4
# Written-down bounds while the attack runs; before, /livez took 9.7 s and routing 1.9-2.4 s. The
# issue's target is 100 ms on a quiet machine; the test machine's two cores are shared with the
# attack's own decoding, its client and other jobs (load average 5-17 when measured), so the
# median is held to that and the tail a little wider, or to a few times what the same probe
# measures alone just before, when the machine is so loaded that this is more.
BASELINE_S = 2.0
ATTACK_MAX_S = 40.0
LIVEZ_MEDIAN_S = 0.1
LIVEZ_P95_S = 0.25
LIVEZ_MAX_S = 2.0
ROUTE_P99_S = 0.5
BUDGET_MP = 300  # geo/settings_heavy.py GEO_PHOTO_RATE, megapixels a minute
POINT = {"lon": 100.5018, "lat": 13.7563}


def big_png() -> bytes:
    """A 7000 x 7000 RGB PNG of a few hundred kilobytes (lines on a flat colour), made once."""
    path = CACHE / f"lines-{EDGE}.png"
    if not path.exists():
        image = Image.new("RGB", (EDGE, EDGE), (30, 120, 200))
        draw = ImageDraw.Draw(image)
        for i in range(0, EDGE, 500):
            draw.line([(0, i), (EDGE, EDGE - i)], fill=(i % 255, 10, 10), width=9)
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=9)
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out.getvalue())
    return path.read_bytes()


def test_the_cost_is_read_from_the_header_and_jpeg_is_decoded_at_a_reduced_scale():
    png = big_png()
    assert len(png) < 600_000
    assert processing.measure(png).decoded_pixels == 49_000_000
    photo = io.BytesIO()
    files.picture(1, (8000, 6000)).save(photo, "JPEG", quality=80)
    measured = processing.measure(photo.getvalue())
    # An 8000 x 6000 JPEG kept at 2048 decodes at half scale: a quarter of the pixels.
    assert (measured.width, measured.height, measured.decoded_pixels) == (8000, 6000, 12_000_000)


def test_a_request_over_its_megapixels_is_refused_before_decoding():
    with pytest.raises(processing.PhotoError) as refused:
        store.prepare([big_png()] * 4, payer="ip:test")  # four photos: refused by count first
    assert refused.value.code == "too_many_photos"
    with pytest.raises(processing.PhotoError) as refused, cost.decoding("ip:test", 151_000_000):
        raise AssertionError("decoded")
    assert refused.value.code == "too_many_pixels" and "150 per request" in refused.value.message


@pytest.fixture(scope="module")
def attacker(credentials, django_db_blocker):
    """An intake key of its own: the attack spends only its budget."""
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        issued, key = IntakeKey.objects.issue(f"photo-attacker-{uuid.uuid4().hex[:8]}")
    return issued, key


def filing(client: httpx.Client, key: str, png: bytes) -> httpx.Response:
    body = {**POINT, "category": "street_light", "description": "big photos", "client_ticket_id": str(uuid.uuid4())}
    upload = [("photo", (f"p{i}.png", png, "image/png")) for i in range(3)]
    headers = {"Authorization": f"Bearer {key}"}
    return client.post("/api/v1/complaints", data={"complaint": json.dumps(body)}, files=upload, headers=headers)


def test_one_key_uploading_big_pngs_as_fast_as_it_can_stalls_nothing(live_api, attacker, django_db_blocker) -> None:
    issued, key = attacker
    png = big_png()
    stop = threading.Event()
    answers: list[tuple[int, dict, dict, float]] = []
    livez: list[float] = []
    routes: list[float] = []

    def attack():
        with httpx.Client(base_url=live_api, timeout=120) as client:
            while not stop.is_set():
                started = time.perf_counter()
                reply = filing(client, key, png)
                answers.append((reply.status_code, dict(reply.headers), reply.json(), time.perf_counter() - started))

    def probe(livez: list[float], routes: list[float], stop: threading.Event):
        with httpx.Client(base_url=live_api, timeout=30) as client:
            while not stop.is_set():
                started = time.perf_counter()
                assert client.get("/livez").status_code == 200
                livez.append(time.perf_counter() - started)
                started = time.perf_counter()
                assert client.post("/api/v1/route", json=POINT).status_code == 200
                routes.append(time.perf_counter() - started)
                time.sleep(0.05)

    # The same probe alone first: the machine's own load sets a floor under every figure.
    quiet_livez: list[float] = []
    quiet_routes: list[float] = []
    quiet = threading.Event()
    threading.Timer(BASELINE_S, quiet.set).start()
    probe(quiet_livez, quiet_routes, quiet)

    threads = [threading.Thread(target=attack) for _ in range(ATTACKERS)]
    threads.append(threading.Thread(target=probe, args=(livez, routes, stop)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    # As long as it takes the key to spend its budget (a few seconds), within ATTACK_MAX_S.
    while time.monotonic() - started < ATTACK_MAX_S:
        time.sleep(0.5)
        if time.monotonic() - started >= ATTACK_S and any(status == 429 for status, *_ in answers):
            break
    stop.set()
    for thread in threads:
        thread.join(timeout=120)

    statuses = [status for status, *_ in answers]
    filed = statuses.count(201)
    print(
        f"attack: {len(answers)} filings, {filed} filed, {statuses.count(429)} x 429, {statuses.count(503)} x 503;"
        f" /livez max {max(livez) * 1000:.0f} ms, p95 {quantile(livez, 0.95) * 1000:.0f} ms,"
        f" median {statistics.median(livez) * 1000:.0f} ms;"
        f" routing p99 {quantile(routes, 0.99) * 1000:.0f} ms over {len(routes)};"
        f" alone before: /livez median {statistics.median(quiet_livez) * 1000:.0f} ms;"
        f" a filed one took {max((s for c, _, _, s in answers if c == 201), default=0):.1f} s"
    )
    assert set(statuses) <= {201, 429, 503}, statuses
    # Each filing is 147 megapixels: the budget passes two a minute, whatever is sent.
    assert 1 <= filed <= BUDGET_MP // 147
    assert statuses.count(429) >= 1
    with django_db_blocker.unblock():  # what was answered 201 is stored, once; nothing else is
        stored = Complaint.objects.filter(intake_key=issued)
        photos = list(Photo.objects.filter(complaint__in=stored))
        for photo in photos:  # the files leave storage with the test
            for kept in (photo.image, photo.thumbnail):
                kept.storage.delete(str(kept.name))
        assert stored.count() == filed and len(photos) == 3 * filed
    for status, headers, body, _ in answers:
        if status in (429, 503):
            assert int(headers["retry-after"]) >= 1
            assert body["error"]["code"] == ("throttled" if status == 429 else "busy")
            assert body["error"]["details"]["field"] == "photo"
    floor = statistics.median(quiet_livez), quantile(quiet_livez, 0.95), quantile(quiet_routes, 0.99)
    assert len(livez) >= 20 and statistics.median(livez) < max(LIVEZ_MEDIAN_S, 3 * floor[0]), (floor, sorted(livez))
    assert quantile(livez, 0.95) < max(LIVEZ_P95_S, 5 * floor[1]), (floor, sorted(livez)[-5:])
    assert max(livez) < LIVEZ_MAX_S, sorted(livez)[-5:]
    assert quantile(routes, 0.99) < max(ROUTE_P99_S, 5 * floor[2]), (floor, sorted(routes)[-5:])


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
