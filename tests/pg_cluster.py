"""A second, disposable PostGIS cluster, for tests that stop the database under a running server.

The main test cluster stays up (pytest itself and other runs use it); this one holds a copy of the
test database's Bangkok boundaries and routing tables, and is stopped and started at will.
"""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg

from geo.server import free_port

ROOT = Path(__file__).resolve().parent.parent
PG = ROOT / "scripts" / "pg.sh"

# Copied in this order (foreign keys); boundaries only for Bangkok to keep the copy and the build quick.
TABLES = {
    "boundaries_generation": "SELECT * FROM boundaries_generation WHERE id = {generation}",
    "boundaries_boundary": "SELECT * FROM boundaries_boundary WHERE generation_id = {generation} AND code LIKE '10%'",
    "routing_category": "SELECT * FROM routing_category",
    "routing_agency": "SELECT * FROM routing_agency",
    "routing_routingrule": "SELECT * FROM routing_routingrule",
    "routing_localgovernment": "SELECT * FROM routing_localgovernment",
    "routing_localcoverage": "SELECT * FROM routing_localcoverage",
}


class Cluster:
    def __init__(self, name: str = "pg-fault"):
        self.dir = ROOT / "var" / name
        self.port = free_port()
        self.env = {**os.environ, "GEO_PGDIR": str(self.dir), "GEO_PGPORT": str(self.port)}
        self.url = f"postgis://geo@{quote(str(self.dir / 'run'), safe='')}:{self.port}/geo"

    def _pg(self, action: str):
        subprocess.run([str(PG), action], env=self.env, check=True, capture_output=True)

    def create(self):
        if self.dir.exists():
            subprocess.run([str(PG), "stop"], env=self.env, capture_output=True)
            shutil.rmtree(self.dir)
        self._pg("start")
        self.manage("migrate", "--noinput", "-v0")

    def start(self):
        self._pg("start")

    def stop(self):
        self._pg("stop")

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self):
        return psycopg.connect(host=str(self.dir / "run"), port=self.port, user="geo", dbname="geo")

    def manage(self, *args) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, "DATABASE_URL": self.url},
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def copy_from(self, source_connection, generation: int):
        """Copy the routing tables and Bangkok's boundaries of a generation from the test database."""
        with self.connect() as target, target.cursor() as out:
            source = source_connection.cursor()
            for table, query in TABLES.items():
                buffer = io.BytesIO()
                with source.copy(f"COPY ({query.format(generation=int(generation))}) TO STDOUT") as copy:
                    for data in copy:
                        buffer.write(data)
                with out.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                out.execute(f"SELECT setval({sequence}, coalesce(max(id), 1)) FROM {table}")
