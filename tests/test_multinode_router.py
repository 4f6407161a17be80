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

from geo import db_router, pooling

ROOT = Path(__file__).resolve().parent.parent
CODE = (
    "import json, django; django.setup(); from django.conf import settings as s;"
    "print(json.dumps([s.DATABASES, s.DATABASE_ROUTERS, s.MIDDLEWARE, getattr(s, 'GEO_REPLICA_PATHS', None)],"
    " default=str))"
)


def node_settings(**env) -> list:
    environment = {k: v for k, v in os.environ.items() if k not in ("GEO_REPLICA_URL", "GEO_PGBOUNCER")}
    environment.update(DJANGO_SETTINGS_MODULE="geo.settings_nodes", **env)
    done = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_without_a_replica_a_node_is_configured_as_one_machine_is():
    databases, routers, middleware, _ = node_settings()
    assert databases.keys() == settings.DATABASES.keys() == {"default"}
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert pooling.POOLED not in databases["default"]
    assert routers == settings.DATABASE_ROUTERS == []
    assert middleware == settings.MIDDLEWARE and "geo.db_router.StaleReads" not in middleware
    with pytest.raises(MiddlewareNotUsed):
        db_router.StaleReads(lambda request: None)
    with db_router.stale_reads() as on_replica:
        assert on_replica is False


def test_a_nodes_settings_with_a_replica_and_pgbouncer():
    databases, routers, middleware, paths = node_settings(
        GEO_REPLICA_URL="postgis://geo@10.0.0.7:5433/geo", GEO_PGBOUNCER="1"
    )
    replica = databases["replica"]
    assert (replica["HOST"], replica["PORT"], replica["OPTIONS"]["connect_timeout"]) == ("10.0.0.7", 5433, 2)
    assert replica["TEST"]["MIRROR"] == "default", "the test runner never creates a database on the replica"
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases["default"][pooling.POOLED] is True, "the statement timeout is set in each transaction"
    assert pooling.POOLED not in replica, "the replica is reached directly: one SET per request"
    assert routers == ["geo.db_router.ReplicaRouter"]
    assert paths == ["/api/v1/stats", "/ogc/", "/tiles/", "/api/v1/boundaries"]
    stale = middleware.index("geo.db_router.StaleReads")
    assert middleware[stale + 1] == "geo.http.timeouts.StatementTimeout", (
        "the timeout is set on the replica's connection"
    )


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
