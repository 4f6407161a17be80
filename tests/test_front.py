"""The layout `make run` serves, over real sockets: nginx buffering in front of gunicorn on a Unix
socket, the client address only from the front, rate counts shared in Redis and weighted by cost,
a statement timeout answered 503 in the endpoint's shape."""

import http.client
import json
import os
import signal
import socket
import threading
import time

import pytest

from geo import front

from .web import get, post

POINT = {"lon": 100.5018, "lat": 13.7563}  # Bangkok, Phra Nakhon


def test_livez_answers_while_50_slow_clients_trickle_their_bodies(live_api):
    port = int(live_api.rsplit(":", 1)[1])
    slow = []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(
            b"POST /api/v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000\r\n\r\n{"
        )
        slow.append(sock)
    stop = threading.Event()

    def trickle():
        while not stop.wait(0.5):
            for sock in slow:
                sock.sendall(b" ")

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        time.sleep(1.0)  # every slow client has been accepted and is mid-body
        took = []
        for _ in range(10):
            started = time.monotonic()
            reply = get(f"{live_api}/livez", timeout=5)
            took.append(time.monotonic() - started)
            assert reply.status == 200 and reply.json() == {"status": "alive"}
        # The slow clients are still connected and unanswered: their bodies are not complete.
        for sock in slow:
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1)
    finally:
        stop.set()
        trickler.join()
        for sock in slow:
            sock.close()
    # Every probe answered; the typical one within 0.2 s. (The machine is shared: one probe may
    # wait for a core. Without the front, a probe waits for the slow bodies: tens of seconds.)
    assert sorted(took)[len(took) // 2] < 0.2 and max(took) < 1.0, took


def test_front_serves_static_files_and_compresses_json(live_api):
    asset = get(f"{live_api}/static/vendor/maplibre-gl/maplibre-gl.js")
    assert asset.status == 200 and asset.headers["server"] == "nginx"
    assert "max-age=3600" in asset.headers["cache-control"]
    raw = get(f"{live_api}/ogc/collections", headers={"Accept-Encoding": "gzip"})
    assert raw.status == 200 and raw.headers.get("content-encoding") == "gzip"
    assert raw.body[:2] == b"\x1f\x8b"  # gzip magic


def test_a_body_over_the_limit_is_refused_by_the_front_in_the_api_shape(live_api):
    reply = post(f"{live_api}/api/v1/route/batch", b"{" + b" " * (8 * 1024 * 1024 + 10) + b"}")
    assert reply.status == 413
    assert reply.json()["error"]["code"] == "body_too_large"


def _issue_key(django_db_blocker, name, rate):
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        return IntakeKey.objects.issue(name, rate=rate)[1]


@pytest.fixture(scope="module")
def guarded(strict_server):
    return strict_server


def _route_from(base: str, source: str, headers: dict | None = None) -> int:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        conn.request(
            "POST", "/api/v1/route", json.dumps(POINT), {"Content-Type": "application/json", **(headers or {})}
        )
        return conn.getresponse().status
    finally:
        conn.close()


def test_through_the_front_the_real_client_address_is_counted(guarded):
    # 127.0.0.2 spends its 100 units while claiming to be someone else each time.
    statuses = [
        _route_from(guarded.base, "127.0.0.2", {"X-Forwarded-For": f"10.9.0.{i}", "X-Real-IP": f"10.9.1.{i}"})
        for i in range(101)
    ]
    assert statuses[:100] == [200] * 100 and statuses[100] == 429
    # Another client, even one claiming to be 127.0.0.2's spoofed addresses, has its own budget.
    assert _route_from(guarded.base, "127.0.0.3", {"X-Real-IP": "10.9.1.7"}) == 200


def test_forwarding_headers_sent_straight_to_gunicorn_are_ignored(guarded):
    statuses = [
        _route_from(guarded.direct, "127.0.0.4", {"X-Forwarded-For": f"10.8.0.{i}", "X-Real-IP": f"10.8.1.{i}"})
        for i in range(101)
    ]
    assert statuses[:100] == [200] * 100 and statuses[100] == 429


def test_a_keys_rate_holds_across_processes(guarded, django_db_blocker):
    key = _issue_key(django_db_blocker, "shared-rate", "10/min")
    statuses = [
        post(f"{guarded.base}/api/v1/route", POINT, headers={"Authorization": f"Bearer {key}"}).status
        for _ in range(20)
    ]
    # Two workers each counting for itself would have let up to 20 through.
    assert statuses == [200] * 10 + [429] * 10


def test_open311_posts_spend_the_keys_rate(guarded, django_db_blocker):
    key = _issue_key(django_db_blocker, "open311-rate", "2/min")
    form = f"api_key={key}&service_code=road&lat=13.7563&long=100.5018".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    replies = [post(f"{guarded.base}/open311/v2/requests.json", form, headers=headers) for _ in range(3)]
    assert [r.status for r in replies] == [200, 200, 429]
    assert replies[2].json()[0]["code"] == 429 and int(replies[2].headers["retry-after"]) >= 1


def test_a_costly_page_spends_more_of_the_rate_than_a_light_one(guarded):
    items = f"{guarded.base}/ogc/collections/subdistricts/items"
    heavy = f"{items}?limit=1000&resolution=full&bbox=100.50,13.75,100.51,13.76"  # 51 units of 100
    source = "127.0.0.5"

    def status(url):
        host, port = guarded.base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source, 0))
        try:
            conn.request("GET", url.removeprefix(guarded.base))
            reply = conn.getresponse()
            return reply.status, reply.getheader("Retry-After"), reply.read()
        finally:
            conn.close()

    assert status(heavy)[0] == 200
    refused, retry_after, body = status(heavy)
    assert refused == 429 and int(retry_after) >= 1 and json.loads(body)["code"] == "Throttled"
    assert status(f"{items}?limit=10")[0] == 200  # 1 unit still fits


def test_with_redis_down_requests_are_served_and_counted_per_process(guarded):
    pid = int((guarded.run.path / "redis.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while guarded.run.redis_socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert _route_from(guarded.base, "127.0.0.6") == 200
        assert "rate counters unavailable" in guarded.log_path.read_text()
    finally:
        guarded.children.append(front.start_redis(guarded.run, maxmemory="256mb", child=True))
    assert _route_from(guarded.base, "127.0.0.6") == 200


def test_a_statement_timeout_is_a_503_with_retry_after_in_the_endpoints_shape(guarded):
    base = guarded.base
    tile = get(f"{base}/tiles/provinces/0/0/0.mvt")  # the whole country: far more than 1 ms
    assert tile.status == 503 and tile.json()["code"] == "Timeout" and tile.headers["retry-after"] == "30"
    choropleth = get(f"{base}/api/v1/stats?group=district&format=geojson&area=10")
    assert choropleth.status == 503 and choropleth.headers["retry-after"] == "30"
    assert choropleth.json()["error"]["code"] == "query_timeout"
    # Kinds with their own budget are unaffected.
    assert get(f"{base}/ogc/collections/provinces/items?limit=1").status == 200
