"""Deliveries end to end: complaints filed over HTTP (gunicorn, production configuration) at points
all over Thailand, every agency's webhook pointed at one fast receiver on loopback, the delivery
workers running. Prints the filing rate, deliveries per second, the latency from filing to receipt
(p50, p99) and checks that every delivery arrived exactly once.

    DATABASE_URL=... .venv/bin/python benchmarks/delivery.py [--complaints 10000] [--clients 16]

The database needs Thailand, the agencies and the migrations (make load, or a test database). The
complaints filed are deleted afterwards and the agencies' webhook URLs put back.
"""

import argparse
import json
import os
import queue
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
# The receiver listens on loopback: allow-listed for the workers (docs/delivery.md#outbound).
os.environ.setdefault("GEO_OUTBOUND_ALLOW", "127.0.0.1/32")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from access.models import IntakeKey  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from delivery.models import Delivery  # noqa: E402
from geo.server import Gunicorn, free_port  # noqa: E402
from geo.workers import Workers  # noqa: E402
from routing.models import Agency  # noqa: E402

SOURCE = "delivery-benchmark"
CATEGORIES = ("road", "flooding", "street_light", "cleanliness", "drain")


def points(n: int) -> list[tuple[float, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM boundaries_boundary b"
            " JOIN boundaries_generation g ON g.id = b.generation_id AND g.active AND g.layer = 'admin',"
            " ST_Dump(ST_GeneratePoints(b.geom, %s, 13)) p WHERE b.level = 'province'",
            [max(n // 77 + 1, 1)],
        )
        return cursor.fetchall()[:n]


class Receiver:
    """Keep-alive HTTP/1.1, answers 204 at once, notes when each delivery id first arrived."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.first = {}
        self.repeats = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                at = time.time()
                delivery_id = self.headers["X-Delivery-Id"]
                complaint = json.loads(body)["complaint"]["id"]
                with receiver.lock:
                    if delivery_id in receiver.first:
                        receiver.repeats += 1
                    else:
                        receiver.first[delivery_id] = (complaint, at)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def file_all(base: str, key: str, places, clients: int) -> dict:
    """complaint id -> (sent, answered) times; every filing retried until stored."""
    todo = queue.Queue()
    for index, place in enumerate(places):
        todo.put((index, place))
    filed, lock, run = {}, threading.Lock(), uuid.uuid4().hex[:8]

    def client():
        while True:
            try:
                index, (lon, lat) = todo.get_nowait()
            except queue.Empty:
                return
            body = json.dumps({"lon": lon, "lat": lat, "category": CATEGORIES[index % len(CATEGORIES)]}).encode()
            request = urllib.request.Request(
                base + "/api/v1/complaints",
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {key}",
                    "Idempotency-Key": f"{run}-{index}",
                },
            )
            while True:
                sent = time.time()
                try:
                    with urllib.request.urlopen(request, timeout=60) as reply:
                        complaint = json.loads(reply.read())["id"]
                    break
                except OSError:
                    time.sleep(0.2)
            with lock:
                filed[complaint] = (sent, time.time())

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return filed


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def backlog(base, key, places, args, url, receiver) -> dict:
    """File with no worker running, then start the workers: the drain rate on its own."""
    filed = file_all(base, key, places, args.clients)
    expected = {str(u) for u in Delivery.objects.filter(complaint_id__in=list(filed)).values_list("uuid", flat=True)}
    with Workers(url, processes=args.processes, concurrency=args.concurrency):
        deadline = time.time() + 600
        while not expected <= set(receiver.first) and time.time() < deadline:
            time.sleep(0.2)
    times = [at for delivery_id, (_, at) in receiver.first.items() if delivery_id in expected]
    return {
        "count": len(times),
        "seconds": max(times) - min(times),
        "missing": len(expected - set(receiver.first)),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--processes", type=int, default=1, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=16, help="jobs at once per worker process")
    parser.add_argument(
        "--backlog", type=int, default=0, help="then this many filed with no worker running, to time the drain alone"
    )
    args = parser.parse_args()
    drain = None

    places = points(args.complaints)
    record, key = IntakeKey.objects.issue(SOURCE, rate="10000000/min")
    saved = dict(Agency.objects.values_list("id", "webhook_url"))
    url = os.environ.get("DATABASE_URL")
    try:
        with Receiver() as receiver:
            # Before gunicorn starts: its processes read the agencies' channels fresh.
            Agency.objects.update(webhook_url=receiver.url)
            env = {"GEO_RATE_PER_IP": "10000000/min", "GEO_WORKER_POLL_S": "1"}
            with (
                Gunicorn(url, workers=2, extra_env=env) as server,
                Workers(url, processes=args.processes, concurrency=args.concurrency),
            ):
                started = time.time()
                filed = file_all(server.base, key, places, args.clients)
                filing_done = time.time()
                expected = dict(
                    Delivery.objects.filter(complaint_id__in=list(filed)).values_list("uuid", "complaint_id")
                )
                expected = {str(k): v for k, v in expected.items()}
                agencies = len(set(Delivery.objects.filter(complaint_id__in=list(filed)).values_list("agency_id")))
                unassigned = Complaint.objects.filter(id__in=list(filed), agency__isnull=True).count()
                deadline = time.time() + 600
                while len(receiver.first) < len(expected) and time.time() < deadline:
                    time.sleep(0.2)
                finished = time.time()
            received = dict(receiver.first)
            if args.backlog:
                drain = backlog(server.base, key, points(args.backlog), args, url, receiver)
    finally:
        for agency_id, webhook in saved.items():
            if webhook:
                Agency.objects.filter(id=agency_id).update(webhook_url=webhook)
        Agency.objects.exclude(id__in=[i for i, w in saved.items() if w]).update(webhook_url="")
        gone = Complaint.objects.filter(source=SOURCE)
        print(f"(removing {gone.count():,} complaints filed by the benchmark)")
        gone.delete()
        record.delete()

    missing = set(expected) - set(received)
    latency_sent = [received[d][1] - filed[c][0] for d, c in expected.items() if d in received]
    latency_answered = [received[d][1] - filed[c][1] for d, c in expected.items() if d in received]
    last = max(at for _, at in received.values())
    filing_s = filing_done - started
    ms = 1000
    print(
        f"complaints filed: {len(filed):,} in {filing_s:.1f} s ({len(filed) / filing_s:.0f}/s), {args.clients} clients"
    )
    print(f"agencies receiving: {agencies:,}; complaints no agency is responsible for: {unassigned}")
    print(f"deliveries expected {len(expected):,}, received {len(received):,}, missing {len(missing)}")
    print(f"repeats (same delivery id twice): {receiver.repeats}")
    print(f"deliveries per second, first filing to last receipt: {len(received) / (last - started):.0f}")
    print(
        f"filing to receipt, from the request sent: p50 {statistics.median(latency_sent) * ms:.0f} ms,"
        f" p99 {percentile(latency_sent, 99) * ms:.0f} ms, max {max(latency_sent) * ms:.0f} ms"
    )
    print(
        f"filing to receipt, from the 201 answered: p50 {statistics.median(latency_answered) * ms:.0f} ms,"
        f" p99 {percentile(latency_answered, 99) * ms:.0f} ms"
    )
    print(f"the last delivery arrived {finished - filing_done:.1f} s after the last filing was answered")
    if drain:
        print(
            f"backlog of {drain['count']:,} drained (workers started after the filings):"
            f" {drain['count'] / drain['seconds']:.0f} deliveries/s from the first receipt to the last,"
            f" missing {drain['missing']}"
        )
    if missing or len(expected) != len(filed) - unassigned or (drain and drain["missing"]):
        print(f"LOST: {len(missing)} deliveries never arrived; {len(filed) - unassigned - len(expected)} never made")
        sys.exit(1)


if __name__ == "__main__":
    main()
