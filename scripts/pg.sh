#!/usr/bin/env bash
# pg.sh start|stop|status|url — the project's private PostGIS cluster.
#
# The cluster lives outside the working tree (the postgres user must be able to enter every parent
# directory of its data directory, which a checkout under /root does not allow), in a folder named
# by a hash of the checkout's path, so two checkouts never share one. It listens on loopback only,
# on its own port, and never touches the system cluster.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
hash=$(printf '%s' "$root" | sha1sum | cut -c1-10)
base=${RENEWMAP_PGBASE:-/var/tmp/renewmap-pg-$hash}
data=$base/data
sock=$base/sock
log=$base/postgres.log
# A port derived from the path too, so parallel checkouts do not collide.
port=${RENEWMAP_PGPORT:-$((55000 + 0x${hash:0:4} % 900))}
db=renewmap

pgbin() {
  local major
  major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  [ -n "$major" ] || { echo "pg.sh: PostgreSQL server is not installed (run scripts/install.sh)" >&2; exit 1; }
  echo "/usr/lib/postgresql/$major/bin"
}

# as_pg runs a command as the postgres user when we are root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() { echo "postgres://postgres@127.0.0.1:$port/$db?sslmode=disable"; }

running() { [ -f "$data/postmaster.pid" ] && as_pg "$(pgbin)/pg_ctl" -D "$data" status >/dev/null 2>&1; }

start() {
  local bin; bin=$(pgbin)
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$base"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$base"
    as_pg mkdir -p "$data" "$sock"
    as_pg "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg mkdir -p "$sock"
  if ! running; then
    as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $sock -c fsync=off -c max_connections=200 -c shared_buffers=256MB" >/dev/null
  fi
  if ! as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres | grep -q 1; then
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
  fi
}

stop() {
  if running; then as_pg "$(pgbin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
}

case "${1:-}" in
  start) start; url ;;
  stop) stop ;;
  status) if running; then echo "running on port $port ($data)"; else echo "stopped"; exit 3; fi ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
