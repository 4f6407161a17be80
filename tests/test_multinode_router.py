"""Without a replica configured nothing of the multi-node settings is in the way of a single
machine; with one (and PgBouncer), the settings a node needs. The routing itself is shown on the
running layout (tests/test_multinode.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

from geo import db_router

ROOT = Path(__file__).resolve().parent.parent


def test_without_a_replica_there_is_no_router_no_middleware_and_no_swap():
    assert "replica" not in settings.DATABASES
    assert settings.DATABASE_ROUTERS == []
    assert "DISABLE_SERVER_SIDE_CURSORS" not in os.environ and not settings.DATABASES["default"].get(
        "DISABLE_SERVER_SIDE_CURSORS"
    )
    with pytest.raises(MiddlewareNotUsed):
        db_router.StaleReads(lambda request: None)
    with db_router.stale_reads() as on_replica:
        assert on_replica is False


def test_a_nodes_settings_with_a_replica_and_pgbouncer():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps([s.DATABASES['replica']['HOST'], s.DATABASES['replica']['PORT'],"
        " s.DATABASES['replica']['TEST'], s.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'],"
        " s.DATABASE_ROUTERS, s.GEO_REPLICA_PATHS]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo.settings",
        "GEO_REPLICA_URL": "postgis://geo@10.0.0.7:5433/geo",
        "GEO_PGBOUNCER": "1",
    }
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    host, port, test, no_cursors, routers, paths = json.loads(done.stdout)
    assert (host, port) == ("10.0.0.7", 5433)
    assert test["MIRROR"] == "default", "the test runner never creates a database on the replica"
    assert no_cursors is True
    assert routers == ["geo.db_router.ReplicaRouter"]
    assert paths == ["/api/v1/stats", "/ogc/", "/tiles/", "/api/v1/boundaries"]


def test_the_router_sends_only_marked_reads_to_the_replica_and_migrations_to_the_primary():
    router = db_router.ReplicaRouter()
    assert router.db_for_read(None) is None
    token = db_router._stale_ok.set(True)
    try:
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) is None
    finally:
        db_router._stale_ok.reset(token)
    assert router.allow_migrate("replica", "complaints") is False
    assert router.allow_migrate("default", "complaints") is True
