#!/usr/bin/env bash
# A project-local PostGIS cluster under var/: start (idempotent), stop, status.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the 'postgres' user.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
# GEO_PGDIR: another cluster beside the main one (the fault tests stop and start their own).
PGDIR=${GEO_PGDIR:-$ROOT/var/pg}
PGDATA="$PGDIR/data"
PGSOCK="$PGDIR/run"
PGPORT=${GEO_PGPORT:-54329}
LOG="$PGDIR/postgres.log"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

prepare_dirs() {
  mkdir -p "$PGSOCK" "$PGDIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$PGDIR"
    # The postgres user must be able to reach var/pg through every parent directory.
    d="$ROOT"
    while [ "$d" != "/" ]; do
      perms=$(stat -c '%A' "$d")
      [ "${perms:9:1}" = "x" ] || [ "${perms:9:1}" = "t" ] || chmod o+x "$d"
      d=$(dirname "$d")
    done
  fi
}

running() { as_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

start() {
  prepare_dirs
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    echo "pg: initdb in $PGDATA"
    as_owner "$PGBIN/initdb" -D "$PGDATA" -U geo --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGSOCK'
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_connections = 200
CONF
  fi
  if ! running; then
    echo "pg: starting on port $PGPORT (socket $PGSOCK)"
    as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 60 start >/dev/null
  fi
  if ! "$PGBIN/psql" -h "$PGSOCK" -p "$PGPORT" -U geo -d postgres -tAc "select 1 from pg_database where datname='geo'" | grep -q 1; then
    "$PGBIN/createdb" -h "$PGSOCK" -p "$PGPORT" -U geo geo
  fi
  "$PGBIN/psql" -q -h "$PGSOCK" -p "$PGPORT" -U geo -d geo -c "set client_min_messages = warning; create extension if not exists postgis" >/dev/null
}

stop() {
  if [ -f "$PGDATA/PG_VERSION" ] && running; then
    as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    echo "pg: stopped"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) running && echo "pg: running on port $PGPORT" || { echo "pg: not running"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
