#!/usr/bin/env bash
# test-cluster.sh — `make test-cluster` (and `make test`): renewmap as two stateless instances
# behind nginx, on a PostgreSQL primary with a streaming replica (scripts/cluster.sh), all on
# loopback in a temporary folder, stopped on exit. It proves that
#   - the replica streams from the primary, and both instances answer through nginx, on one
#     session (sessions live in the database);
#   - an edit through instance A (a new 片区, POST /api/v1/areas) is visible through instance B
#     within seconds — in its JSON API, its OGC API (read from the replica) and its tiles — and
#     replaces the tile B had cached (the tile change NOTIFY reaches every instance);
#   - the replica answers reads: its own scan counters of the tables grow when tiles and searches
#     are asked through B, and each instance counts the reads the replica answered;
#   - a lagging replica never serves an old tile or feature: with WAL replay paused on the
#     replica, a rename through A still shows through B at once (from the primary), and the
#     replica takes the reads back once it has caught up.
# Prints `N passed, N failed` last; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=cluster.sh
source scripts/cluster.sh

passed=0
failed=0
started=$(date +%s)
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
summary() {
  local rc=$?
  trap - EXIT
  cluster_down >/dev/null 2>&1
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "FAIL - the test stopped early (exit $rc)"
    failed=1
  fi
  echo "cluster test took $(($(date +%s) - started)) s"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] || exit 1
}
trap summary EXIT
trap 'exit 130' INT TERM

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# eventually SECONDS CMD…: until CMD succeeds; prints how long it took (ms).
eventually() {
  local limit=$1 t0
  shift
  t0=$(date +%s%N)
  while ! "$@"; do
    if [ "$(ms_since "$t0")" -gt $((limit * 1000)) ]; then return 1; fi
    sleep 0.1
  done
  took=$(ms_since "$t0")
}

cluster_up
W=$CLUSTER_DIR/test
mkdir -p "$W"
psql_p() { psql -X -qAt -v ON_ERROR_STOP=1 "$CLUSTER_PRIMARY" -c "$1"; }
psql_r() { psql -X -qAt -v ON_ERROR_STOP=1 "$CLUSTER_REPLICA" -c "$1"; }
echo "# cluster up after $(($(date +%s) - started)) s: nginx $CLUSTER_URL, A $CLUSTER_A, B $CLUSTER_B"

# --- replication ----------------------------------------------------------------------------
check "the replica streams from the primary (pg_stat_replication)" \
  test "$(psql_p "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1
check "the replica is a hot standby (pg_is_in_recovery)" test "$(psql_r "SELECT pg_is_in_recovery()")" = t
check "the replica has the demo district replayed" test "$(psql_r "SELECT count(*) > 100 FROM communities")" = t

# --- both instances, one session, through nginx ---------------------------------------------
pw=$(DATABASE_URL=$CLUSTER_PRIMARY "$CLUSTER_DIR/renewmap" user add clustertest -role admin 2>/dev/null | sed -n 's/^password: //p')
body=$(curl -s -D "$W/login.h" -H 'Content-Type: application/json' \
  -d "{\"username\":\"clustertest\",\"password\":\"$pw\"}" "$CLUSTER_URL/api/v1/login")
cookie=$(sed -n 's/^Set-Cookie: \(renewmap_session=[^;]*\).*/\1/ip' "$W/login.h")
csrf=$(printf '%s' "$body" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
check "log in through nginx" test -n "$cookie" -a -n "$csrf"
: >"$W/upstreams"
codes=""
for _ in 1 2 3 4 5 6; do
  code=$(curl -s -o /dev/null -D "$W/h" -w '%{http_code}' -b "$cookie" "$CLUSTER_URL/api/v1/labels")
  codes="$codes$code "
  sed -n 's/^X-Renewmap-Upstream: \([0-9.:]*\).*/\1/ip' "$W/h" >>"$W/upstreams"
done
check "six requests through nginx all answered 200 ($codes)" test "$codes" = "200 200 200 200 200 200 "
check "nginx sent them to both instances ($(sort -u "$W/upstreams" | tr '\n' ' '))" \
  test "$(sort -u "$W/upstreams" | wc -l)" = 2
for inst in "$CLUSTER_A" "$CLUSTER_B"; do
  check "the session made through nginx is known to $inst" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -b "$cookie" "$inst/api/v1/me")" = 200
done

# --- an edit through A, seen through B -------------------------------------------------------
# A community and the z14 tile over it.
read -r cid tx ty < <(psql_p "
  SELECT id, floor((lon + 180) / 360 * 16384)::int,
         floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi()) / 2 * 16384)::int
  FROM (SELECT id, ST_X(p) AS lon, ST_Y(p) AS lat
        FROM (SELECT id, ST_PointOnSurface(geom) AS p FROM communities ORDER BY id LIMIT 1) c) d" | tr '|' ' ')
areas_tile=/tiles/areas/14/$tx/$ty.mvt
all_tile=/tiles/all/14/$tx/$ty.mvt
get() { curl -s -b "$cookie" -o "$2" -w '%{http_code}' "$1"; }
# B renders and caches both tiles (the second request is a cache hit).
code=$(get "$CLUSTER_B$areas_tile" "$W/areas.before")
check "B serves the areas tile $areas_tile ($code)" test "$code" = 200 -o "$code" = 204
code=$(get "$CLUSTER_B$all_tile" "$W/all.before")
check "B serves the composite tile $all_tile ($code)" test "$code" = 200
get "$CLUSTER_B$all_tile" "$W/all.before2" >/dev/null
check "B's composite tile $all_tile is stable before the edit" cmp -s "$W/all.before" "$W/all.before2"
# A composite tile over a community 2.5 km away, cached by B: the edit must not drop it.
read -r fx fy < <(psql_p "
  SELECT floor((lon + 180) / 360 * 16384)::int,
         floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi()) / 2 * 16384)::int
  FROM (SELECT ST_X(p) AS lon, ST_Y(p) AS lat
        FROM (SELECT ST_PointOnSurface(c.geom) AS p FROM communities c, communities f
              WHERE f.id = $cid AND ST_DistanceSphere(ST_PointOnSurface(c.geom), ST_PointOnSurface(f.geom)) > 2500
              ORDER BY c.id LIMIT 1) c) d" | tr '|' ' ')
far_tile=/tiles/all/14/$fx/$fy.mvt
cache_of() { curl -s -D - -o /dev/null -b "$cookie" "$CLUSTER_B$1" | tr -d '\r' | sed -n 's/^[Xx]-[Cc]ache: //p'; }
cache_of "$far_tile" >/dev/null
check "B serves the far composite tile $far_tile from its cache before the edit" test "$(cache_of "$far_tile")" = HIT

name="集群测试片区$RANDOM"
t_edit=$(date +%s%N)
created=$(curl -s -b "$cookie" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -w '\n%{http_code}' \
  -d "{\"name\":\"$name\",\"members\":[$cid]}" "$CLUSTER_A/api/v1/areas")
area_id=$(printf '%s' "$created" | head -n 1 | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
check "A saved the area (POST /api/v1/areas → $(printf '%s' "$created" | tail -n 1))" \
  test "$(printf '%s' "$created" | tail -n 1)" = 201 -a -n "$area_id"

tile_names() { get "$CLUSTER_B$areas_tile" "$W/areas.now" >/dev/null && grep -aqF "$1" "$W/areas.now"; }
if eventually 10 tile_names "$name"; then
  ok "B's areas tile shows the new area $(ms_since "$t_edit") ms after A saved it"
else
  bad "B's areas tile shows the new area within 10 s"
fi
get "$CLUSTER_B$all_tile" "$W/all.after" >/dev/null
check "B's cached composite tile was replaced (content changed)" bash -c "! cmp -s '$W/all.before' '$W/all.after' && grep -aqF '$name' '$W/all.after'"
check "B still serves the tile 2.5 km away from its cache after the edit" test "$(cache_of "$far_tile")" = HIT
api_names() { curl -s -b "$cookie" "$CLUSTER_B/api/v1/areas" | grep -qF "$1"; }
check "B's JSON API lists the new area" eventually 10 api_names "$name"
ogc_names() { curl -s -b "$cookie" "$CLUSTER_B/ogc/collections/areas/items?limit=1000" | grep -qF "$1"; }
check "B's OGC API (replica reads) has the new area" eventually 10 ogc_names "$name"

# --- the replica answers reads -----------------------------------------------------------------
# The replica's own statistics: scans of the tables the reads touch. Only reads routed to the
# replica scan them there (the instances' version poll reads data_versions alone).
scans() { psql_r "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables WHERE relname IN ($1)"; }
tile_scans0=$(scans "'buildings', 'roads', 'gates'")
search_scans0=$(scans "'communities'")
sleep 0.5 # the replica has caught up with the area by now; let the next poll see it
for dy in 1 2 3; do
  for dx in 1 2 3; do
    curl -s -b "$cookie" -o /dev/null "$CLUSTER_B/tiles/all/16/$((tx * 4 + dx))/$((ty * 4 + dy)).mvt"
  done
done
curl -s -b "$cookie" -o /dev/null "$CLUSTER_B/api/v1/communities?q=%E5%B0%8F%E5%8C%BA"
grew() { [ "$(scans "$1")" -gt "$2" ]; }
check "uncached tiles through B were rendered on the replica (its scans of buildings/roads/gates grew)" \
  eventually 15 grew "'buildings', 'roads', 'gates'" "$tile_scans0"
check "a community search through B ran on the replica (its scans of communities grew)" \
  eventually 15 grew "'communities'" "$search_scans0"
check "the instances' connections on the replica are named renewmap-read" \
  test "$(psql_r "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'renewmap-read'")" = t

# --- a lagging replica is not trusted --------------------------------------------------------
psql_r "SELECT pg_wal_replay_pause()" >/dev/null
renamed="${name}改"
t_edit=$(date +%s%N)
# Area writes name the version they were made from (If-Match: the ETag of a read).
area_etag=$(curl -s -D - -o /dev/null -b "$cookie" "$CLUSTER_A/api/v1/areas/$area_id" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -b "$cookie" -H "X-CSRF-Token: $csrf" -H "If-Match: $area_etag" \
  -H 'Content-Type: application/json' -d "{\"name\":\"$renamed\"}" "$CLUSTER_A/api/v1/areas/$area_id")
check "A renamed the area while the replica's replay is paused (PATCH → $code)" test "$code" = 200
sleep 0.3
check "the paused replica still has the old name" test "$(psql_r "SELECT name FROM areas WHERE id = $area_id")" = "$name"
if eventually 10 tile_names "$renamed"; then
  ok "B's tile shows the rename $(ms_since "$t_edit") ms after it, from the primary (the replica is behind)"
else
  bad "B's tile shows the rename within 10 s while the replica is behind"
fi
check "B's OGC API shows the rename while the replica is behind" eventually 10 ogc_names "$renamed"
psql_r "SELECT pg_wal_replay_resume()" >/dev/null
replayed() { [ "$(psql_r "SELECT name FROM areas WHERE id = $area_id")" = "$renamed" ]; }
if eventually 10 replayed; then ok "the replica catches up once replay resumes (${took} ms)"; else bad "the replica catches up"; fi
tile_scans1=$(scans "'buildings', 'roads', 'gates'")
sleep 0.5
for dx in 1 2 3; do curl -s -b "$cookie" -o /dev/null "$CLUSTER_B/tiles/all/16/$((tx * 4 + dx))/$((ty * 4 + 4)).mvt"; done
check "the caught-up replica renders tiles again" eventually 15 grew "'buildings', 'roads', 'gates'" "$tile_scans1"

# --- each instance counted reads on the replica ----------------------------------------------
cluster_stop_instances
for inst in a b; do
  line=$(grep 'reads answered' "$CLUSTER_DIR/$inst.log" | tail -n 1 || true)
  n=$(printf '%s' "$line" | sed -n 's/.*replica=\([0-9]*\).*/\1/p')
  p=$(printf '%s' "$line" | sed -n 's/.*primary=\([0-9]*\).*/\1/p')
  check "instance $inst: reads answered by the replica ${n:-?}, by the primary ${p:-?}" test "${n:-0}" -gt 0
done
