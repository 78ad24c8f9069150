#!/usr/bin/env bash
# bench-import.sh — times `renewmap import` of N buildings (default: 10000 and 100000) from a
# GeoPackage in CGCS2000 3° GK zone CM 123E (EPSG:4550) with Chinese field names, into a fresh
# database holding the demo data: the whole path (GDAL read and reprojection, mapping, validation,
# one transaction). Prints one Markdown row per size for docs/performance.md.
#   SIZES="10000 100000" bash scripts/bench-import.sh
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${SIZES:-"10000 100000"}
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(bash scripts/pg.sh start)
fi
db=renewmap_importbench
query=""
case "$DATABASE_URL" in *\?*) query="?${DATABASE_URL#*\?}" ;; esac
prefix=${DATABASE_URL%%\?*}
prefix=${prefix%/*}
url="$prefix/$db$query"
go build -o bin/renewmap ./cmd/renewmap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/m.yaml" <<'YAML'
layer: buildings
code: "BENCH-{房屋编号}"
fields:
  community: {from: 所在小区, match: name}
  number: 幢号
  floors: 地上层数
  units: 单元数
  households: 住户数
  floor_area: 建筑面积
  completed_year: 建成年份
  structure: 结构类型
YAML
echo "| buildings | file | import (s) |"
echo "|---:|---|---:|"
for n in $sizes; do
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$prefix/postgres$query" \
    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  DATABASE_URL=$url bin/renewmap migrate >/dev/null
  DATABASE_URL=$url bin/renewmap load geodata/tiexi >/dev/null
  # N squares of 12 m on a grid, in EPSG:4550 around 124.33°E 43.15°N.
  awk -v n="$n" 'BEGIN {
    for (i = 0; i < n; i++) {
      x = 608000 + (i % 400) * 15; y = 4779000 + int(i / 400) * 15
      printf "{\"type\":\"Feature\",\"properties\":{\"房屋编号\":\"F%06d\",\"所在小区\":\"琥珀苑小区\",\"幢号\":\"%d号楼\",\"地上层数\":6,\"单元数\":2,\"住户数\":24,\"建筑面积\":1800.5,\"建成年份\":1990,\"结构类型\":\"砖混\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]}}\n",
        i, i + 1, x, y, x + 12, y, x + 12, y + 12, x, y + 12, x, y
    } }' >"$work/b.geojsonl"
  rm -f "$work/b.gpkg"
  ogr2ogr -f GPKG -a_srs EPSG:4550 -nln 房屋 "$work/b.gpkg" "$work/b.geojsonl"
  start=$(date +%s.%N)
  DATABASE_URL=$url bin/renewmap import -mapping "$work/m.yaml" "$work/b.gpkg" >/dev/null 2>&1
  end=$(date +%s.%N)
  printf '| %s | GeoPackage, EPSG:4550 | %.1f |\n' "$n" "$(echo "$end - $start" | bc)"
done
PGOPTIONS="-c client_min_messages=warning" psql -X -q "$prefix/postgres$query" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
