"""Deliveries through a PostgreSQL restart: a disposable cluster (like the fault tests) holds the
complaints, deliveries and jobs; it is stopped and started while the workers are sending."""

import time
import uuid

import pytest

from access.models import digest
from delivery.models import QUEUED
from geo.server import Gunicorn
from geo.workers import Workers

from .pg_cluster import Cluster
from .receivers import Receiver
from .web import post

AGENCIES = ("BKK-1001-PW", "BKK-1001-CL")
POINT = {"lon": 100.5018, "lat": 13.7563}
CATEGORIES = ("street_light", "cleanliness")  # one for each of the two agencies
FILINGS = 400


@pytest.fixture(scope="module")
def cluster(thailand, agencies, django_db_blocker):
    from django.db import connection

    cluster = Cluster("pg-delivery")
    cluster.create()
    with django_db_blocker.unblock():
        connection.ensure_connection()
        cluster.copy_from(connection.connection, thailand.id)
    yield cluster
    cluster.destroy()


def query(cluster, sql, params=()):
    with cluster.connect() as db, db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def test_nothing_is_lost_or_left_sending_when_postgresql_restarts_mid_run(cluster):
    key = "gk_delivery_" + uuid.uuid4().hex
    query(
        cluster,
        "INSERT INTO access_intakekey (name, prefix, key_hash, rate, created)"
        " VALUES ('delivery-faults', %s, %s, '1000000/min', now())",
        [key[:8], digest(key)],
    )

    def steady(received):
        time.sleep(0.02)
        return 200, {}, b"{}"

    with Receiver(steady) as receiver:
        query(
            cluster, "UPDATE routing_agency SET webhook_url = %s WHERE code = ANY(%s)", [receiver.url, list(AGENCIES)]
        )
        with Gunicorn(cluster.url) as server:
            for n in range(FILINGS):
                body = {**POINT, "category": CATEGORIES[n % 2], "description": f"restart {n}"}
                reply = post(f"{server.base}/api/v1/complaints", body, headers={"Authorization": f"Bearer {key}"})
                assert reply.status == 201, reply.body
        with Workers(cluster.url, concurrency=8) as workers:
            deadline = time.monotonic() + 60
            while len(receiver.received) < 100:
                assert time.monotonic() < deadline, "deliveries did not start"
                time.sleep(0.05)
            cluster.stop()  # mid-run: 100 or so delivered, the rest queued
            time.sleep(2)
            cluster.start()
            restarted_at = time.monotonic()
            deadline = restarted_at + 180
            while True:
                left = query(cluster, "SELECT count(*) FROM delivery_delivery WHERE state = ANY(%s)", [list(QUEUED)])
                if left[0][0] == 0:
                    break
                assert time.monotonic() < deadline, f"{left[0][0]} deliveries still queued or sending"
                time.sleep(0.5)
            recovered_s = time.monotonic() - restarted_at
            replaced = workers.log().count("exited")  # workers that lost the database and were replaced
    rows = query(cluster, "SELECT uuid::text, state FROM delivery_delivery")
    assert len(rows) == FILINGS and {state for _, state in rows} == {"delivered"}
    ids = [r.headers["x-delivery-id"] for r in receiver.received]
    assert set(ids) == {u for u, _ in rows}  # every one arrived
    repeats = len(ids) - len(set(ids))
    # At least once: the few on the wire when the database went away may arrive twice.
    assert repeats <= 8, repeats
    print(f"\nrecovered {recovered_s:.1f} s after the restart; {replaced} workers replaced; {repeats} repeats")
