"""Settings of an API node when there is more than one machine (docs/operations.md#more-than-one-machine):
DJANGO_SETTINGS_MODULE=geo.settings_nodes, which is geo.settings and, for each variable set:

- GEO_REPLICA_URL: a streaming replica; reads that may be a second stale (statistics, layers,
  tiles: geo/db_router.py) go there, and back to the primary when it does not answer.
- GEO_PGBOUNCER=1: DATABASE_URL is PgBouncer in transaction mode: no server-side cursors (a
  named cursor lives in one server session), and the statement timeout is set in each transaction
  (SET LOCAL: geo/http/timeouts.py), never on the session. Prepared statements are already off:
  Django binds psycopg 3's parameters on the client (no `server_side_binding`), and prepares nothing.
"""

import os

import dj_database_url

from geo import pooling
from geo.settings import *  # noqa: F403
from geo.settings import DATABASES, MIDDLEWARE

if os.environ.get("GEO_PGBOUNCER") == "1":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    pooling.mark(DATABASES["default"])  # no session state: the statement timeout is set per transaction

if os.environ.get("GEO_REPLICA_URL"):
    # Short connect timeout: a replica that is away costs a request a fraction of a second, once
    # per GEO_REPLICA_RETRY_S, before the reads fall back to the primary.
    DATABASES["replica"] = {
        **dj_database_url.parse(os.environ["GEO_REPLICA_URL"], conn_max_age=60, conn_health_checks=True),
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "TEST": {"MIRROR": "default"},
    }
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    DATABASE_ROUTERS = ["geo.db_router.ReplicaRouter"]
    # Outside the statement timeout's middleware, which then sets the replica's budget.
    MIDDLEWARE = list(MIDDLEWARE)
    MIDDLEWARE.insert(MIDDLEWARE.index("geo.http.timeouts.StatementTimeout"), "geo.db_router.StaleReads")

# GET and HEAD under these prefixes may read a replica a second behind the primary: what a client
# reads back after writing (a complaint, its history, Open311 requests) is not among them.
GEO_REPLICA_PATHS = tuple(
    p.strip() for p in os.environ.get("GEO_REPLICA_PATHS", "/api/v1/stats,/ogc/,/tiles/,/api/v1/boundaries").split(",")
)
GEO_REPLICA_RETRY_S = float(os.environ.get("GEO_REPLICA_RETRY_S", "5"))
