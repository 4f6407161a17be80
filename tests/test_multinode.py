"""The multi-node layout run for real on loopback (scripts/multinode, docs/operations.md#more-than-one-machine):
two API nodes behind a balancing nginx, PgBouncer before a PostgreSQL primary, a streaming replica
for reads that may be a second stale, one Redis. A node is killed under load, a generation is
switched, a key's rate is spent across both nodes, the replica is paused and stopped, and one
node's routing throughput is set against two in the same run."""

import threading
import time
import uuid

import pytest

from scripts.multinode.databases import manage
from scripts.multinode.nodes import FAIL_TIMEOUT_S

from .multinode_support import CATEGORIES, call, cpu_seconds, file_until_stored, started, wrk

CLIENTS = 8
RUN_S, KILL_AT_S, RESTART_AT_S = 60, 15, 25


@pytest.fixture(scope="module")
def multinode(thailand, agencies, django_db_blocker):
    with started(thailand, django_db_blocker) as layout:
        yield layout


def test_a_keys_rate_holds_across_both_nodes(multinode):
    base, served = multinode.layout.url, []
    statuses = []
    for _ in range(20):
        reply = call(
            base + "/api/v1/route", "POST", {"lon": 100.5018, "lat": 13.7563}, multinode.auth(multinode.slow_key)
        )
        statuses.append(reply.status)
        served.append(reply.headers.get("x-served-by"))
    assert statuses.count(200) == 10 and statuses.count(429) == 10, statuses
    assert statuses[:10] == [200] * 10
    assert set(served[:10]) == {"node1", "node2"}, "both nodes answered and counted in the one Redis"


def _complaints_matched(base: str) -> int:
    reply = call(base + "/ogc/collections/complaints/items?limit=1")
    assert reply.status == 200, reply.body[:300]
    return reply.json()["numberMatched"]


def test_stale_reads_come_from_the_replica_and_fall_back_to_the_primary(multinode):
    layout, base = multinode.layout, multinode.layout.url
    body = {"lon": 100.5018, "lat": 13.7563, "category": "road", "description": "replica check"}
    before = _complaints_matched(base)
    with layout.replica.connect(autocommit=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            filed = call(base + "/api/v1/complaints", "POST", body, multinode.auth(**{"Idempotency-Key": "replica-1"}))
            assert filed.status == 201
            # What a client writes and then reads back comes from the primary ...
            read_back = call(f"{base}/api/v1/complaints/{filed.json()['id']}", headers=multinode.auth())
            assert read_back.status == 200 and read_back.json()["id"] == filed.json()["id"]
            # ... the layer, which may be a second stale, from the replica (its replay paused here).
            assert [_complaints_matched(base) for _ in range(4)] == [before] * 4
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 10
    while _complaints_matched(base) != before + 1:
        assert time.monotonic() < deadline, "the replica caught up"
        time.sleep(0.1)

    layout.replica.stop()
    try:
        reads = [
            "/api/v1/stats?by=district",
            "/api/v1/stats?by=agency&format=csv",
            "/ogc/collections/complaints/items?limit=5",
            "/ogc/collections/subdistricts/items?limit=5",
            "/tiles/complaints/12/3192/1889.mvt",
            "/api/v1/boundaries?level=district&limit=3",
        ]
        answered = {path: {call(base + path).status for _ in range(4)} for path in reads}  # both nodes, twice
        assert all(statuses <= {200, 204} for statuses in answered.values()), answered
        assert _complaints_matched(base) == before + 1, "the primary answered"
        again = call(base + "/api/v1/complaints", "POST", {**body, "description": "replica away"},
                     multinode.auth(**{"Idempotency-Key": "replica-2"}))  # fmt: skip
        assert again.status == 201, "writes never noticed"
        routed = call(base + "/api/v1/route", "POST", {"lon": 100.5018, "lat": 13.7563}, multinode.auth())
        assert routed.status == 200
    finally:
        layout.replica.start()
    logs = "".join((node.folder / "reads.log").read_text() for node in layout.nodes)
    assert "replica unavailable, reads go to the primary" in logs


def test_a_node_killed_and_restarted_under_load_loses_and_doubles_nothing(multinode):
    layout, base = multinode.layout, multinode.layout.url
    victim, survivor = layout.nodes[1], layout.nodes[0]
    routes, filings, keys, stored, stop = [], [], [], {}, threading.Event()
    run, deadline = uuid.uuid4().hex[:8], time.monotonic() + RUN_S + 60
    points = multinode.points

    def client(index: int):
        n = 0
        while not stop.is_set():
            lon, lat = points[(index * 241 + n) % len(points)]
            started = time.time()
            reply = call(base + "/api/v1/route", "POST", {"lon": lon, "lat": lat}, multinode.auth())
            routes.append((started, time.time(), reply.status, reply.headers.get("x-served-by")))
            key = f"{run}-{index}-{n}"
            keys.append(key)
            body = {"lon": lon, "lat": lat, "category": CATEGORIES[n % 5], "description": f"nodes {key}"}
            stored[key] = file_until_stored(base, body, multinode.auth(**{"Idempotency-Key": key}), filings, deadline)
            n += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(KILL_AT_S)
    killed_at = time.time()
    assert len(victim.kill()) >= 6  # both gunicorn masters, their workers, the job workers
    gone_at = time.time()
    time.sleep(RESTART_AT_S - KILL_AT_S)
    restarted_at = time.time()
    victim.spawn()
    victim.wait()
    ready_at = time.time()
    time.sleep(max(0.0, RUN_S - (time.monotonic() - started)))
    stop.set()
    for thread in threads:
        thread.join(timeout=120)

    with layout.primary.connect() as db:
        rows = db.execute(
            "SELECT idempotency_key, count(*), min(id) FROM complaints_complaint"
            " WHERE idempotency_key LIKE %s GROUP BY 1",
            [f"{run}-%"],
        ).fetchall()
    in_db = {key: (count, first) for key, count, first in rows}
    assert None not in stored.values(), "every filing was stored within the run"
    assert set(in_db) == set(keys), "no filing lost, none stored that no client sent"
    assert all(count == 1 for count, _ in in_db.values()), "no filing stored twice"
    assert all(in_db[key][1] == stored[key] for key in keys), "every retry got the first complaint back"

    def in_flight_at_kill(entry):  # sent before the node's last process was gone, answered after it was killed
        return entry[0] <= gone_at and entry[1] >= killed_at

    failed_routes = [r for r in routes if r[2] != 200]
    failed_filings = [f for f in filings if f[2] not in (200, 201)]
    assert all(in_flight_at_kill(r) for r in failed_routes), (killed_at, gone_at, failed_routes)
    assert all(in_flight_at_kill(f) for f in failed_filings), (killed_at, gone_at, failed_filings)
    assert len(failed_routes) + len(failed_filings) <= CLIENTS

    # The balancer's own log: after the first refused connection the dead node is tried at most
    # once per fail_timeout (the request then goes on to the live node), until it is back.
    victim_addr, down = f"127.0.0.1:{victim.app_port}", []
    for line in layout.balancer.access_log():
        sent_at, upstreams, status = float(line[0]) - float(line[1]), line[2], line[4]
        if gone_at < sent_at < ready_at and victim_addr in upstreams:
            down.append((sent_at, upstreams, status))
    passed_on = [entry for entry in down if entry[0] < restarted_at]  # before its restart: refused, always
    assert all(
        status in ("200", "201") and upstreams.endswith(str(survivor.app_port)) for _, upstreams, status in passed_on
    ), down
    assert len(down) <= (ready_at - killed_at) / FAIL_TIMEOUT_S + 2, down
    answered_down = sum(1 for r in routes if killed_at + 0.5 < r[0] < ready_at)
    late = [r for r in routes if r[0] > ready_at + FAIL_TIMEOUT_S + 1]
    assert answered_down > 10 * max(1, len(down)), "nearly every request went to the live node at once"
    assert any(r[3] == victim.name for r in late), "the restarted node is back in the rotation"
    print(
        f"\nkill run: {len(routes)} routes ({len(failed_routes)} failed, all in flight at the kill),"
        f" {len(keys)} filings"
        f" ({len(failed_filings)} tries failed, retried), dead node tried {len(down)} times while down;"
        f" killing took {1000 * (gone_at - killed_at):.0f} ms;"
        f" restart to ready {ready_at - restarted_at:.1f} s; {RUN_S} s"
    )


def test_a_generation_switch_reaches_both_nodes_and_no_answer_mixes_generations(multinode):
    layout, base, points = multinode.layout, multinode.layout.url, multinode.points
    first, second = multinode.first, multinode.second
    replies, problems, stop = [], [], threading.Event()

    def client(offset: int):
        batch = 0
        while not stop.is_set():
            start = (offset * 997 + batch * 50) % (len(points) - 50)
            body = {"points": [{"lon": lon, "lat": lat} for lon, lat in points[start : start + 50]]}
            reply = call(base + "/api/v1/route/batch", "POST", body, multinode.auth())
            if reply.status != 200:
                problems.append((reply.status, reply.body[:300]))
                return
            generation = reply.json()["generation"]
            for result in reply.json()["results"]:
                for level, jurisdiction in result["jurisdictions"].items():
                    marked = level != "local_government" and jurisdiction["name_en"].endswith(" v2")
                    if level != "local_government" and (
                        jurisdiction["generation"] != generation or marked != (generation == second)
                    ):
                        problems.append((generation, level, jurisdiction))
            replies.append((reply.headers.get("x-served-by"), generation))
            batch += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    activation = threading.Thread(target=manage, args=(layout.primary.url, "activate_generation", str(second)))
    activation.start()  # the operator's command; the switch is its commit, seen here on the primary
    with layout.primary.connect(autocommit=True) as db:
        query = "SELECT active FROM boundaries_generation WHERE id = %s"
        while not db.execute(query, [second]).fetchone()[0]:
            time.sleep(0.02)
    switched = time.monotonic()

    def latest(node):
        return [generation for name, generation in replies if name == node][-10:]

    deadline = time.monotonic() + 90
    while any(latest(node.name) != [second] * 10 for node in layout.nodes) and time.monotonic() < deadline:
        time.sleep(0.1)
    reached = time.monotonic() - switched
    stop.set()
    for thread in [*threads, activation]:
        thread.join(timeout=60)
    assert problems == []
    for node in layout.nodes:
        answers = [generation for name, generation in replies if name == node.name]
        assert first in answers and answers[-10:] == [second] * 10, node.name
    print(f"\ngeneration switch: both nodes answered from the new one {reached:.1f} s after its commit")


def test_routing_throughput_two_nodes_against_one_and_filings_per_second(multinode):
    layout = multinode.layout
    one, two = [], []
    wrk(layout.url, multinode.key, seconds=1)  # warm: every worker has answered once
    for _ in range(2):  # interleaved, so the machine's other load falls on both alike
        one.append(wrk(layout.balancer.one_url, multinode.key, seconds=4))
        two.append(wrk(layout.url, multinode.key, seconds=4))
    assert all(errors == 0 for _, errors in one + two), (one, two)
    rate_one, rate_two = max(r for r, _ in one), max(r for r, _ in two)
    assert rate_one > 50 and rate_two > 50

    # Filings through both nodes, with the primary's CPU per filing: the limit of one primary.
    base, keys, log = layout.url, [], []
    cpu_before = cpu_seconds(layout.primary.pids())
    with layout.primary.connect(autocommit=True) as db:
        wal_before = db.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + 8

    def filer(index: int):
        n = 0
        while time.monotonic() < deadline:
            lon, lat = multinode.points[(index * 97 + n) % len(multinode.points)]
            key = f"rate-{index}-{n}-{uuid.uuid4().hex[:6]}"
            body = {"lon": lon, "lat": lat, "category": CATEGORIES[n % 5], "description": "rate"}
            if file_until_stored(base, body, multinode.auth(**{"Idempotency-Key": key}), log, deadline + 30):
                keys.append(key)
            n += 1

    started = time.monotonic()
    threads = [threading.Thread(target=filer, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(layout.primary.pids()) - cpu_before
    with layout.primary.connect(autocommit=True) as db:
        wal = db.execute("SELECT pg_current_wal_lsn() - %s::pg_lsn", [str(wal_before)]).fetchone()[0]
    assert len(keys) > 50
    memory = layout.memory_mb()
    print(
        f"\nrouting, 8 connections: one node {rate_one:.0f}/s, two nodes {rate_two:.0f}/s"
        f" (ratio {rate_two / rate_one:.2f}; runs {one} {two}); filings {len(keys) / elapsed:.0f}/s with"
        f" {CLIENTS} clients, primary CPU {1000 * cpu / len(keys):.2f} ms and WAL {int(wal) / len(keys) / 1024:.1f} kB"
        f" per filing; PSS MB {memory}; start {multinode.start_seconds}"
    )
