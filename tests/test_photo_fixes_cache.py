"""A hidden photo leaves shared caches at once (issue 25, item 10): over the served stack (nginx +
gunicorn, tests/conftest.py's front_server), and through a shared cache in front of it, as a CDN
or an office proxy would be: a second nginx with proxy_cache, which honours Cache-Control
(s-maxage before max-age, as RFC 9111 asks of shared caches). Photos were `public, max-age=600`
before: that cache kept serving a photo for 10 minutes after staff hid it."""

import json
import os
import socket
import subprocess
import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from geo.front import NGINX, die_with_parent

from . import photo_files as files

CACHE_CONF = """
{user}
daemon off;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    proxy_cache_path {run}/cache keys_zone=shared:1m max_size=20m inactive=10m use_temp_path=off;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {upstream};
            proxy_cache shared;
            proxy_cache_revalidate on;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def shared_cache(live_api, tmp_path_factory):
    """A caching proxy in front of the front; its base URL."""
    run, port = tmp_path_factory.mktemp("shared-cache"), free_port()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
        (run / sub).mkdir()
    # As root, nginx's workers would run as nobody, who cannot write to pytest's (root-only) temp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    (run / "nginx.conf").write_text(CACHE_CONF.format(user=user, run=run, port=port, upstream=live_api))
    args = [NGINX, "-q", "-p", str(run), "-c", str(run / "nginx.conf"), "-e", str(run / "error.log")]
    process = subprocess.Popen(args, preexec_fn=die_with_parent)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, (run / "error.log").read_text()
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def live(live_api, credentials, django_db_blocker):
    client = httpx.Client(base_url=live_api, timeout=60)
    made: list[int] = []
    yield client, credentials, made
    client.close()
    files.remove_stored(django_db_blocker, made)  # this module's files leave storage with it


def test_the_shared_cache_caches_what_may_be_cached(live, shared_cache):
    """The control: what says it may be kept (the front's static files, `expires 1h`) is kept."""
    client, _, _ = live
    path = "/static/rest_framework/css/default.css"
    assert client.get(path).status_code == 200
    replies = [httpx.get(shared_cache + path) for _ in range(2)]
    assert [r.status_code for r in replies] == [200, 200], (replies[0].headers, replies[0].text[:500])
    assert replies[1].headers["x-cache-status"] == "HIT"


def test_a_hidden_photo_is_gone_at_once_from_the_front_and_shared_caches(live, shared_cache):
    client, creds, made = live
    body = {"lon": 100.0997, "lat": 17.6201, "category": "street_light", "client_ticket_id": f"c-{uuid.uuid4()}"}
    picture = files.jpeg_with_gps(seed=uuid.uuid4().int % 2**32, size=(320, 240))
    filed = client.post(
        "/api/v1/complaints",
        data={"complaint": json.dumps(body)},
        files=[("photo", ("p.jpg", picture, "image/jpeg"))],
        headers={"Authorization": f"Bearer {creds['key']}"},
    )
    assert filed.status_code == 201, filed.text
    made.append(filed.json()["id"])
    [photo] = filed.json()["photos"]
    paths = [urlsplit(photo[name]).path for name in ("url", "thumbnail_url")]

    etags = {}
    for path in paths:
        direct = client.get(path)
        assert direct.status_code == 200
        assert direct.headers["cache-control"] == "public, max-age=60, s-maxage=0"
        etags[path] = direct.headers["etag"]
        assert client.get(path, headers={"If-None-Match": etags[path]}).status_code == 304
        cached = [httpx.get(shared_cache + path) for _ in range(2)]
        assert [r.status_code for r in cached] == [200, 200]
        assert cached[1].content == direct.content and cached[1].headers["x-cache-status"] != "HIT"

    staff = tuple(creds["staff"]["5399"])
    hidden = client.post(f"/api/v1/photos/{photo['id']}/hide", json={"reason": "a face"}, auth=staff)
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True

    for path in paths:  # the next request, whichever way it comes
        assert client.get(path).status_code == 404
        # A cache revalidating the copy it had is told it is gone, not that it is still good.
        assert client.get(path, headers={"If-None-Match": etags[path]}).status_code == 404
        through = httpx.get(shared_cache + path)
        assert through.status_code == 404 and through.headers["content-type"] == "application/json"
        # The agency's staff still see it, and nobody keeps that answer.
        own = client.get(path, auth=staff)
        assert own.status_code == 200 and own.headers["cache-control"] == "private, no-store"

    client.post(f"/api/v1/photos/{photo['id']}/show", json={"reason": "blurred"}, auth=staff)
    assert httpx.get(shared_cache + paths[0]).status_code == 200
