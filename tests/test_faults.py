"""Load and faults on a real server: 50 retrying clients file 10,000 complaints while PostGIS is
stopped and started under them; a generation is activated while batches are being routed."""

import http.client
import queue
import threading
import time
import uuid
from collections import Counter

import pytest

from access.models import digest
from geo.server import Gunicorn

from .pg_cluster import Cluster
from .web import request

FILINGS = 10_000
CLIENTS = 50
CATEGORIES = ("road", "sidewalk", "street_light", "cleanliness", "flooding")


@pytest.fixture(scope="module")
def fault_env(thailand, agencies, django_db_blocker):
    from django.db import connection

    cluster = Cluster()
    cluster.create()
    key = "gk_fault_" + uuid.uuid4().hex
    with django_db_blocker.unblock():
        connection.ensure_connection()
        cluster.copy_from(connection.connection, thailand.id)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_X(p.geom), ST_Y(p.geom) FROM boundaries_boundary b,"
                " ST_Dump(ST_GeneratePoints(b.geom, %s, 7)) p"
                " WHERE b.generation_id = %s AND b.level = 'province' AND b.code = '10'",
                [FILINGS, thailand.id],
            )
            points = cursor.fetchall()
    with cluster.connect() as db, db.cursor() as cursor:
        cursor.execute(
            "INSERT INTO access_intakekey (name, prefix, key_hash, rate, created)"
            " VALUES ('load-test', %s, %s, '1000000/min', now())",
            [key[:8], digest(key)],
        )
        # A second generation of the same shapes whose English names say which one answered.
        cursor.execute(
            "INSERT INTO boundaries_generation (layer, description, report, fingerprint, created, active)"
            " VALUES ('admin', 'v2', '{}', '', now(), false) RETURNING id"
        )
        second = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO boundaries_boundary (generation_id, level, code, pcode, name_th, name_en, parent_code,"
            " source, geom) SELECT %s, level, code, pcode, name_th, name_en || ' v2', parent_code, source, geom"
            " FROM boundaries_boundary WHERE generation_id = %s",
            [second, thailand.id],
        )
    yield {"cluster": cluster, "key": key, "points": points, "first": thailand.id, "second": second}
    cluster.destroy()


def _auth(key, **extra):
    return {"Authorization": f"Bearer {key}", **extra}


def test_ten_thousand_filings_by_retrying_clients_survive_a_database_restart(fault_env):
    cluster, key, points = fault_env["cluster"], fault_env["key"], fault_env["points"]
    todo = queue.Queue()
    for index in range(FILINGS):
        todo.put(index)
    stored, stats, failures, lock = {}, Counter(), [], threading.Lock()
    run = uuid.uuid4().hex[:8]

    with Gunicorn(cluster.url) as server:
        workers_before = server.worker_pids()
        url = server.base + "/api/v1/complaints"

        def client():
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                lon, lat = points[index]
                body = {"lon": lon, "lat": lat, "category": CATEGORIES[index % 5], "description": f"load {index}"}
                headers = _auth(key, **{"Idempotency-Key": f"{run}-{index}"})
                attempt = 0
                while True:
                    attempt += 1
                    # Every 25th client gives up on its first try almost at once: the server may
                    # well store that complaint, and the retry must get the same one back.
                    timeout = 0.05 if index % 25 == 0 and attempt == 1 else 30
                    try:
                        reply = request(url, "POST", body, headers=headers, timeout=timeout)
                    except (OSError, http.client.HTTPException):
                        with lock:
                            stats["timeout_or_connection_error"] += 1
                        continue
                    with lock:
                        stats[reply.status] += 1
                    if reply.status in (200, 201):
                        with lock:
                            stored[index] = reply.json()["id"]
                        break
                    if reply.status in (503, 429):
                        if "retry-after" not in reply.headers:
                            failures.append((index, reply.status, "no Retry-After"))
                        time.sleep(min(float(reply.headers.get("retry-after", 1)), 1.0))
                        continue
                    failures.append((index, reply.status, reply.body[:300]))
                    break

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        while len(stored) < FILINGS * 0.3:
            time.sleep(0.05)
            assert any(t.is_alive() for t in threads)

        cluster.stop()
        outage_started = time.monotonic()
        routed_while_down = Counter()
        while time.monotonic() - outage_started < 4:
            lon, lat = points[len(routed_while_down) % len(points)]
            reply = request(server.base + "/api/v1/route", "POST", {"lon": lon, "lat": lat}, headers=_auth(key))
            routed_while_down[reply.status] += 1
            assert reply.status != 200 or reply.json()["jurisdictions"]["subdistrict"]["code"].startswith("10")
        filed_while_down = len(stored)
        health_down = request(server.base + "/api/v1/health")
        cluster.start()

        for thread in threads:
            thread.join(timeout=600)
        health_up = request(server.base + "/api/v1/health")
        assert server.process.poll() is None and server.worker_pids() == workers_before

    with cluster.connect() as db, db.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT idempotency_key) FROM complaints_complaint")
        rows, keys = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM complaints_historyentry WHERE event = 'created'")
        created_events = cursor.fetchone()[0]

    print(f"\nfault run: {dict(stats)}; routed while down: {dict(routed_while_down)}")
    assert failures == []
    assert len(stored) == FILINGS and len(set(stored.values())) == FILINGS
    assert rows == keys == created_events == FILINGS, "every complaint stored exactly once"
    assert stats[201] + stats[200] == FILINGS and stats[200] > 0, "timed-out tries were replayed, not stored twice"
    assert stats["timeout_or_connection_error"] > 0
    assert stats[503] > 0, "writes were refused while the database was away"
    assert routed_while_down[200] >= 10 and set(routed_while_down) == {200}, "routing answered from memory"
    assert len(stored) > filed_while_down
    assert health_down.status == 503 and health_down.json()["error"]["code"] == "database_unavailable"
    assert health_up.status == 200


def test_generation_activated_mid_load_never_mixes_in_one_response(fault_env):
    cluster, key, points = fault_env["cluster"], fault_env["key"], fault_env["points"]
    first, second = fault_env["first"], fault_env["second"]
    replies, problems, stop = [], [], threading.Event()

    def check(reply):
        body = reply.json()
        generation = body["generation"]
        for result in body["results"]:
            for level, jurisdiction in result["jurisdictions"].items():
                if level == "local_government":
                    continue
                marked = jurisdiction["name_en"].endswith(" v2")
                if jurisdiction["generation"] != generation or marked != (generation == second):
                    problems.append((generation, level, jurisdiction))
        return generation

    with Gunicorn(cluster.url) as server:

        def client(offset):
            batch = 0
            while not stop.is_set():
                start = (offset * 997 + batch * 50) % (len(points) - 50)
                body = {"points": [{"lon": lon, "lat": lat} for lon, lat in points[start : start + 50]]}
                reply = request(server.base + "/api/v1/route/batch", "POST", body, headers=_auth(key))
                if reply.status != 200:
                    problems.append((reply.status, reply.body[:300]))
                    return
                replies.append(check(reply))
                batch += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        cluster.manage("activate_generation", str(second))
        deadline = time.monotonic() + 60
        while replies[-20:].count(second) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    cluster.manage("activate_generation", str(first))

    assert problems == []
    assert first in replies and replies[-20:] == [second] * 20, "every process moved to the new generation"
