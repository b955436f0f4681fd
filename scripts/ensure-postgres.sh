#!/usr/bin/env bash
# Makes a PostgreSQL server answer on 127.0.0.1:5432 with a `weft` role and database, for the
# tests (CI and this machine). Installs Debian's postgresql when no cluster tooling is present,
# starts the installed cluster when nothing listens, and prints the DATABASE_URL to export:
#   eval "$(scripts/ensure-postgres.sh)"
# Progress goes to stderr so that stdout holds only the export line. Needs root (CI runs as root).
set -euo pipefail

HOST=127.0.0.1
PORT=5432
ROLE=weft
PASSWORD=weft
DATABASE=weft

log() { echo "ensure-postgres: $*" >&2; }

listening() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

if ! listening; then
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$PORT" '$3 == port { print $1 " " $2; exit }')
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    log "creating cluster $version main"
    pg_createcluster "$version" main --port "$PORT" >&2
    cluster="$version main"
  fi
  log "starting cluster $cluster"
  # shellcheck disable=SC2086 # "version name" splits into pg_ctlcluster's two arguments on purpose
  pg_ctlcluster $cluster start >&2 || true
  for _ in $(seq 1 30); do
    listening && break
    sleep 1
  done
  listening || { log "PostgreSQL did not start on $HOST:$PORT"; exit 1; }
fi

# Debian's default pg_hba trusts local sockets for the postgres user; TCP needs the password.
psql_local() { (cd / && su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -p $PORT -d postgres -c \"$1\""); }

if [ "$(psql_local "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  log "creating role $ROLE"
  # CREATEDB: the tests create and drop a database per run.
  psql_local "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_local "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
  log "creating database $DATABASE"
  psql_local "CREATE DATABASE $DATABASE OWNER $ROLE" >&2
fi

echo "export DATABASE_URL=postgres://$ROLE:$PASSWORD@$HOST:$PORT/$DATABASE"
