#!/usr/bin/env bash
# cluster.sh — renewmap beyond one machine, on one machine (docs/scaling.md): a PostgreSQL primary
# and a streaming replica of it (pg_basebackup -R), two stateless `renewmap serve` instances that
# write to the primary and read lag-tolerant queries from the replica, and nginx (from Debian,
# installed here when missing) balancing between them. Everything listens on loopback ports of its
# own and lives in one temporary folder under /var/tmp; the project's own cluster (scripts/pg.sh)
# is not touched.
#
#   bash scripts/cluster.sh          start it all, print the addresses, stop it all on Ctrl-C
#   source scripts/cluster.sh        for scripts: cluster_up, then cluster_down (scripts/test-cluster.sh)
#
# After cluster_up: CLUSTER_DIR, CLUSTER_URL (nginx), CLUSTER_A / CLUSTER_B (the instances),
# CLUSTER_PRIMARY / CLUSTER_REPLICA (database URLs), CLUSTER_PID_A / CLUSTER_PID_B.

cluster_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# cluster_port: a free loopback TCP port.
cluster_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! grep -qx "$p" "$CLUSTER_DIR/ports" 2>/dev/null; then
      echo "$p" >>"$CLUSTER_DIR/ports"
      echo "$p"
      return
    fi
  done
}

cluster_log() { echo "cluster: $*" >&2; }

# cluster_pg DIR PORT VERB: scripts/pg.sh on a cluster of the cluster's own.
cluster_pg() { RENEWMAP_PGBASE=$1 RENEWMAP_PGPORT=$2 bash "$cluster_root/scripts/pg.sh" "$3"; }

cluster_as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cluster_install_nginx() {
  command -v nginx >/dev/null 2>&1 && return 0
  [ -x /usr/sbin/nginx ] && return 0
  cluster_log "installing nginx from Debian"
  local sudo="" guard=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  # Debian starts a packaged service at install (on port 80, every interface): forbid it.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx >/dev/null
  if [ -n "$guard" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
}

# cluster_wait URL SECONDS: until URL answers 200.
cluster_wait() {
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.25
  done
  return 1
}

# cluster_serve NAME PORT [ARGS…]: a renewmap instance on the primary and the replica; its PID
# in CLUSTER_LAST_PID (not printed: a process started in $(…) is not this shell's child).
cluster_serve() {
  local name=$1 port=$2
  shift 2
  DATABASE_URL=$CLUSTER_PRIMARY DATABASE_REPLICA_URL=$CLUSTER_REPLICA \
    "$CLUSTER_DIR/renewmap" serve -addr "127.0.0.1:$port" -trusted-proxy 127.0.0.1/32 "$@" \
    >"$CLUSTER_DIR/$name.log" 2>&1 &
  CLUSTER_LAST_PID=$!
}

cluster_up() {
  set -euo pipefail
  CLUSTER_DIR=$(mktemp -d /var/tmp/renewmap-cluster.XXXXXX)
  # The postgres user must be able to enter it.
  chmod 755 "$CLUSTER_DIR"
  : >"$CLUSTER_DIR/ports"
  local pgp pgr pa pb pn bin
  pgp=$(cluster_port)
  pgr=$(cluster_port)
  pa=$(cluster_port)
  pb=$(cluster_port)
  pn=$(cluster_port)
  bash "$cluster_root/scripts/install.sh" >&2
  cluster_install_nginx
  (cd "$cluster_root" && go build -o "$CLUSTER_DIR/renewmap" ./cmd/renewmap)

  cluster_log "primary on 127.0.0.1:$pgp"
  CLUSTER_PRIMARY=$(cluster_pg "$CLUSTER_DIR/primary" "$pgp" start)
  echo "$CLUSTER_DIR/primary $pgp" >>"$CLUSTER_DIR/clusters"

  cluster_log "streaming replica on 127.0.0.1:$pgr"
  bin=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -n 1)/bin
  mkdir -p "$CLUSTER_DIR/replica"
  chown postgres:postgres "$CLUSTER_DIR/replica" 2>/dev/null || true
  # -R writes standby.signal and primary_conninfo: PostgreSQL's own streaming replication.
  cluster_as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$pgp" -U postgres -D "$CLUSTER_DIR/replica/data" \
    -R -X stream -c fast --no-sync
  # Long reads (downloads) on the replica are not cancelled by the primary's vacuum.
  echo "hot_standby_feedback = on" | cluster_as_pg tee -a "$CLUSTER_DIR/replica/data/postgresql.auto.conf" >/dev/null
  echo "$CLUSTER_DIR/replica $pgr" >>"$CLUSTER_DIR/clusters"
  CLUSTER_REPLICA=$(cluster_pg "$CLUSTER_DIR/replica" "$pgr" start)

  cluster_log "instance A on 127.0.0.1:$pa (migrates and loads the demo district), instance B on 127.0.0.1:$pb"
  cluster_serve a "$pa" -load-demo
  CLUSTER_PID_A=$CLUSTER_LAST_PID
  CLUSTER_A=http://127.0.0.1:$pa
  cluster_wait "$CLUSTER_A/readyz" 120 || { cat "$CLUSTER_DIR/a.log" >&2; return 1; }
  cluster_serve b "$pb" -load-demo=false
  CLUSTER_PID_B=$CLUSTER_LAST_PID
  CLUSTER_B=http://127.0.0.1:$pb
  cluster_wait "$CLUSTER_B/readyz" 60 || { cat "$CLUSTER_DIR/b.log" >&2; return 1; }

  cluster_log "nginx on 127.0.0.1:$pn"
  mkdir -p "$CLUSTER_DIR/nginx/tmp"
  chown nobody "$CLUSTER_DIR/nginx/tmp" 2>/dev/null || true
  cat >"$CLUSTER_DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $CLUSTER_DIR/nginx/nginx.pid;
error_log $CLUSTER_DIR/nginx/error.log;
events { worker_connections 512; }
http {
  access_log $CLUSTER_DIR/nginx/access.log;
  client_body_temp_path $CLUSTER_DIR/nginx/tmp/body;
  proxy_temp_path $CLUSTER_DIR/nginx/tmp/proxy;
  fastcgi_temp_path $CLUSTER_DIR/nginx/tmp/fastcgi;
  uwsgi_temp_path $CLUSTER_DIR/nginx/tmp/uwsgi;
  scgi_temp_path $CLUSTER_DIR/nginx/tmp/scgi;
  client_max_body_size 8m;
  upstream renewmap {
    # Stateless instances: sessions live in the database, so any instance serves any request.
    server 127.0.0.1:$pa max_fails=1 fail_timeout=5s;
    server 127.0.0.1:$pb max_fails=1 fail_timeout=5s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$pn;
    location / {
      proxy_pass http://renewmap;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_next_upstream error timeout http_502 http_503;
      # Which instance answered (for the test and for people).
      add_header X-Renewmap-Upstream \$upstream_addr always;
    }
  }
}
EOF
  nginx -p "$CLUSTER_DIR/nginx" -c "$CLUSTER_DIR/nginx/nginx.conf" -e "$CLUSTER_DIR/nginx/error.log" -g 'daemon off;' &
  echo $! >"$CLUSTER_DIR/nginx.pid.shell"
  CLUSTER_URL=http://127.0.0.1:$pn
  cluster_wait "$CLUSTER_URL/readyz" 20 || { cat "$CLUSTER_DIR/nginx/error.log" >&2; return 1; }
  export CLUSTER_DIR CLUSTER_URL CLUSTER_A CLUSTER_B CLUSTER_PRIMARY CLUSTER_REPLICA CLUSTER_PID_A CLUSTER_PID_B
}

# cluster_stop_instances: stops both renewmap instances (each logs its read counts on the way out).
cluster_stop_instances() {
  local p
  for p in ${CLUSTER_PID_A:-} ${CLUSTER_PID_B:-}; do kill "$p" 2>/dev/null || true; done
  for p in ${CLUSTER_PID_A:-} ${CLUSTER_PID_B:-}; do wait "$p" 2>/dev/null || true; done
  CLUSTER_PID_A="" CLUSTER_PID_B=""
}

# cluster_down: stops everything cluster_up started and removes its folder. Safe to call twice and
# after a cluster_up that failed half-way.
cluster_down() {
  set +e
  [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR" ] || return 0
  cluster_stop_instances
  if [ -f "$CLUSTER_DIR/nginx.pid.shell" ]; then
    local np; np=$(cat "$CLUSTER_DIR/nginx.pid.shell")
    kill "$np" 2>/dev/null; wait "$np" 2>/dev/null
  fi
  if [ -f "$CLUSTER_DIR/clusters" ]; then
    # The replica first, then the primary.
    tac "$CLUSTER_DIR/clusters" | while read -r dir port; do cluster_pg "$dir" "$port" stop; done
  fi
  if [ -z "${CLUSTER_KEEP:-}" ]; then rm -rf "$CLUSTER_DIR"; else cluster_log "kept $CLUSTER_DIR"; fi
  CLUSTER_DIR=""
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  trap cluster_down EXIT
  trap 'exit 130' INT TERM
  cluster_up
  cat <<EOF
renewmap cluster is up (Ctrl-C stops everything):
  load balancer (nginx)  $CLUSTER_URL
  instance A             $CLUSTER_A
  instance B             $CLUSTER_B
  primary                $CLUSTER_PRIMARY
  replica                $CLUSTER_REPLICA
  logs                   $CLUSTER_DIR
The first administrator's one-time password is in $CLUSTER_DIR/a.log.
EOF
  while :; do sleep 3600 & wait $!; done
fi
