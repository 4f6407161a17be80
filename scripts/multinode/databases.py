"""The database side of the multi-node layout: a PostgreSQL primary (its own cluster, made by
scripts/pg.sh), a streaming replica made from it with pg_basebackup -R, and PgBouncer in
transaction mode in front of the primary. Every part lives in its own folder of the layout and is
stopped by its own pid file or pg_ctl, never by name."""

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent.parent
PG = ROOT / "scripts" / "pg.sh"
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
PGBOUNCER = "/usr/sbin/pgbouncer"
TEMPLATE = ROOT / "deploy" / "pgbouncer.ini.template"
ROOTED = os.geteuid() == 0

# What a node needs to route and file (copied in this order for the foreign keys): the active
# admin generation's boundaries (all, or those whose code starts with a province's) and the
# routing directory. Complaints start empty.
TABLES = {
    "boundaries_generation": "SELECT * FROM boundaries_generation WHERE id = {generation}",
    "boundaries_boundary": "SELECT * FROM boundaries_boundary WHERE generation_id = {generation}"
    " AND code LIKE '{province}%'",
    "routing_category": "SELECT * FROM routing_category",
    "routing_agency": "SELECT * FROM routing_agency",
    "routing_routingrule": "SELECT * FROM routing_routingrule",
    "routing_localgovernment": "SELECT * FROM routing_localgovernment",
    "routing_localcoverage": "SELECT * FROM routing_localcoverage",
}


def as_owner(args: list[str]) -> list[str]:
    """PostgreSQL and PgBouncer refuse to run as root: as root they run as `postgres`."""
    return ["runuser", "-u", "postgres", "--", *args] if ROOTED else args


def give_to_owner(path: Path) -> None:
    if ROOTED:
        subprocess.run(["chown", "-R", "postgres:postgres", str(path)], check=True)


class Cluster:
    """One PostgreSQL cluster in `folder`: data/, run/ (its socket), postgres.log."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data, self.socket_dir = folder / "data", folder / "run"

    @property
    def url(self) -> str:  # over TCP on loopback, as a node on another machine would connect
        return f"postgis://geo@127.0.0.1:{self.port}/geo"

    def connect(self, dbname: str = "geo", **kwargs) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="geo", dbname=dbname, **kwargs)

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = as_owner([str(PGBIN / "pg_ctl"), "-D", str(self.data), *args])
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def running(self) -> bool:
        return self.data.joinpath("PG_VERSION").exists() and self.pg_ctl("status", check=False).returncode == 0

    def start(self) -> None:
        if not self.running():
            self.pg_ctl("-l", str(self.folder / "postgres.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        if self.running():
            self.pg_ctl("-m", "fast", "-w", "stop")

    def pids(self) -> list[int]:
        """The postmaster and every backend and helper it forked."""
        try:
            master = int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return []
        return [master, *children(master)]


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Primary(Cluster):
    def create(self) -> None:
        """A fresh cluster (scripts/pg.sh: initdb, the geo database, PostGIS), migrated."""
        env = {**os.environ, "GEO_PGDIR": str(self.folder), "GEO_PGPORT": str(self.port)}
        subprocess.run([str(PG), "start"], env=env, check=True, capture_output=True)

    def copy_schema(self, source_dsn: str) -> None:
        """The source database's schema and its record of migrations (a third of the time `migrate`
        takes here): the source is the database of the same checkout, migrated."""
        dump = [str(PGBIN / "pg_dump"), "--no-owner", "--no-privileges", "-d", source_dsn]
        schema = subprocess.run([*dump, "--schema-only"], check=True, capture_output=True).stdout
        tables = ["-t", "django_migrations", "-t", "django_content_type", "-t", "auth_permission"]
        records = subprocess.run([*dump, "--data-only", *tables], check=True, capture_output=True).stdout
        psql = [str(PGBIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port)]
        subprocess.run([*psql, "-U", "geo", "-d", "geo"], input=schema + records, check=True, capture_output=True)

    def copy_from(self, source: psycopg.Connection, province: str = "") -> int:
        """The active admin generation and the routing directory of `source`; returns the generation."""
        if not re.fullmatch(r"[0-9]{0,2}", province):
            raise ValueError("province: its two-digit DOPA code, or empty for the whole country")
        with source.cursor() as cursor:
            cursor.execute("SELECT id FROM boundaries_generation WHERE layer = 'admin' AND active")
            row = cursor.fetchone()
            if row is None:
                raise RuntimeError("the source database has no active admin generation: load it first")
            generation = row[0]
        with self.connect() as target, target.cursor() as out:
            for table, query in TABLES.items():
                buffer = io.BytesIO()
                sql = query.format(generation=int(generation), province=province)
                with source.cursor().copy(f"COPY ({sql}) TO STDOUT") as copy:
                    for data in copy:
                        buffer.write(data)
                with out.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                out.execute(f"SELECT setval({sequence}, coalesce(max(id), 1)) FROM {table}")
        return generation


class Replica(Cluster):
    def create(self, primary: Primary) -> None:
        """A streaming replica: a base backup of the primary with the standby settings written (-R)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        give_to_owner(self.folder)
        backup = [str(PGBIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "geo"]
        backup += ["-D", str(self.data), "-R", "-X", "stream", "-c", "fast"]
        subprocess.run(as_owner(backup), check=True, capture_output=True)
        # The copied postgresql.conf is the primary's: the last setting of a name wins.
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nunix_socket_directories = '{self.socket_dir}'\nhot_standby = on\n")

    def lag_bytes(self, primary: Primary) -> int:
        with primary.connect(autocommit=True) as db:
            row = db.execute("SELECT pg_current_wal_lsn() - replay_lsn FROM pg_stat_replication").fetchone()
        return -1 if row is None or row[0] is None else int(row[0])


class PgBouncer:
    """PgBouncer in transaction mode before the primary: nodes' many worker connections share a
    few server connections (default_pool_size per database and user)."""

    def __init__(self, folder: Path, port: int, primary_port: int, pool_size: int = 20, dbname: str = "geo"):
        self.folder, self.port, self.primary_port, self.pool_size = folder, port, primary_port, pool_size
        self.dbname = dbname  # the primary's database PgBouncer's `geo` leads to (a test database in the tests)
        self.pidfile = folder / "pgbouncer.pid"

    @property
    def url(self) -> str:
        return f"postgis://geo@127.0.0.1:{self.port}/geo"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        values = {
            "dir": str(self.folder),
            "port": str(self.port),
            "primary_port": str(self.primary_port),
            "pool_size": str(self.pool_size),
            "dbname": self.dbname,
        }
        text = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], TEMPLATE.read_text())
        (self.folder / "pgbouncer.ini").write_text(text)
        (self.folder / "userlist.txt").write_text('"geo" ""\n')
        give_to_owner(self.folder)
        subprocess.run(as_owner([PGBOUNCER, "-d", str(self.folder / "pgbouncer.ini")]), check=True)
        wait_for(lambda: self.pid() is not None, "pgbouncer", self.folder / "pgbouncer.log")

    def pid(self) -> int | None:
        return read_pid(self.pidfile)

    def stop_signal(self) -> tuple[Path, int]:
        return self.pidfile, signal.SIGINT  # SIGINT: PgBouncer's "safe shutdown"

    def stop(self) -> None:
        stop_many([self.stop_signal()])


def read_pid(path: Path) -> int | None:
    """The process id in this pid file, if that process is alive."""
    try:
        pid = int(path.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
    return pid if running(pid) else None


def running(pid: int) -> bool:
    """Alive, and not a zombie (a child of this process that exited and was not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def stop_many(parts: list[tuple[Path, int]], seconds: float = 60.0) -> None:
    """Signal every process named by these pid files at once, then wait for all (SIGKILL past `seconds`)."""
    pids = {}
    for path, sig in parts:
        pid = read_pid(path)
        if pid is not None:
            os.kill(pid, sig)
            pids[pid] = path
    deadline = time.monotonic() + seconds
    while pids and time.monotonic() < deadline:
        for pid in list(pids):
            if not running(pid):
                pids.pop(pid).unlink(missing_ok=True)
        time.sleep(0.05)
    for pid, path in pids.items():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        path.unlink(missing_ok=True)


def wait_for(check, what: str, log: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} did not start; {log}:\n{tail}")
        time.sleep(0.05)


def manage(database_url: str, *args: str) -> str:
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
