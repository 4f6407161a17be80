import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def thailand(django_db_setup, django_db_blocker):
    """All of Thailand loaded once into the test database (committed, active)."""
    from boundaries.models import Generation

    with django_db_blocker.unblock():
        out = io.StringIO()
        # --if-needed keeps `pytest --reuse-db` runs fast; a fresh test database always loads.
        call_command("load_thailand", "--commit", "--activate", "--if-needed", stdout=out)
        generation = Generation.objects.get(layer="admin", active=True)
        generation.load_output = out.getvalue()
        return generation


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def agencies(django_db_setup, django_db_blocker):
    """Local government, agencies, categories and rules seeded once (committed)."""
    from routing.seed import seed

    with django_db_blocker.unblock():
        return seed()


@pytest.fixture(scope="session")
def live_api(thailand, agencies, django_db_blocker):
    """A real gunicorn server on loopback, serving the test database: real HTTP requests."""
    from django.db import connection

    settings_dict = connection.settings_dict
    port = _free_port()
    env = dict(os.environ)
    host = quote(settings_dict["HOST"], safe="")
    env["DATABASE_URL"] = f"postgis://{settings_dict['USER']}@{host}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    log = open(ROOT / "var" / "test-server.log", "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "geo.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/api/v1/health", timeout=2).read()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"test server did not start; see {log.name}") from None
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def national_matcher(thailand, django_db_blocker):
    from routing import snapshot

    with django_db_blocker.unblock():
        return snapshot.build({"admin": thailand.id})
