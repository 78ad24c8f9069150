#!/usr/bin/env bash
# vendor-web.sh — copies MapLibre GL JS (the version pinned in web/package.json) from
# web/node_modules into web/static/vendor/, where the Go binary embeds it. Run after
# `cd web && npm ci` whenever the pinned version changes; the copied files are committed so that
# `go build` needs neither npm nor the Internet.
set -euo pipefail
cd "$(dirname "$0")/../web"

src=node_modules/maplibre-gl
[ -d "$src/dist" ] || { echo "vendor-web.sh: $src is missing; run 'npm ci' in web/ first" >&2; exit 1; }
dst=static/vendor
mkdir -p "$dst"
cp "$src/dist/maplibre-gl.js" "$src/dist/maplibre-gl.css" "$dst/"
cp "$src/LICENSE.txt" "$dst/maplibre-gl.LICENSE.txt"
version=$(node -p "require('./$src/package.json').version")
printf 'maplibre-gl %s (npm), copied by scripts/vendor-web.sh\n' "$version" > "$dst/VERSION"
# index.html names the version in the vendored URLs, so browsers drop their cached copy on upgrade.
sed -i -E "s#(/static/vendor/maplibre-gl\.(js|css))(\?v=[^\"]*)?\"#\1?v=$version\"#g" static/index.html
echo "vendor-web.sh: maplibre-gl $version → web/$dst"

# Apache ECharts (the dashboard's charts; canvas, no external requests): the "common" build (bar,
# line, pie …) with its licence and NOTICE, and zrender's (bundled inside it). dashboard.html
# names the version in its URL too.
ec=node_modules/echarts
[ -d "$ec/dist" ] || { echo "vendor-web.sh: $ec is missing; run 'npm ci' in web/ first" >&2; exit 1; }
cp "$ec/dist/echarts.common.min.js" "$dst/echarts.min.js"
cp "$ec/LICENSE" "$dst/echarts.LICENSE.txt"
cp "$ec/NOTICE" "$dst/echarts.NOTICE.txt"
[ -f node_modules/zrender/LICENSE ] && cp node_modules/zrender/LICENSE "$dst/zrender.LICENSE.txt"
ec_version=$(node -p "require('./$ec/package.json').version")
printf 'echarts %s (npm, dist/echarts.common.min.js), copied by scripts/vendor-web.sh\n' "$ec_version" >> "$dst/VERSION"
[ -f static/dashboard.html ] && sed -i -E "s#(/static/vendor/echarts\.min\.js)(\?v=[^\"]*)?\"#\1?v=$ec_version\"#g" static/dashboard.html
echo "vendor-web.sh: echarts $ec_version → web/$dst"

# qrcode-generator (MIT, Kazuhiko Arase; the licence is the file's header comment): QR codes for
# the public notice and the household code slips (web/static/js/notice.js, survey-admin.js), drawn
# locally as SVG so nothing leaves the machine.
qr=node_modules/qrcode-generator
[ -f "$qr/dist/qrcode.mjs" ] || { echo "vendor-web.sh: $qr is missing; run 'npm ci' in web/ first" >&2; exit 1; }
cp "$qr/dist/qrcode.mjs" "$dst/qrcode-generator.mjs"
qr_version=$(node -p "require('./$qr/package.json').version")
printf 'qrcode-generator %s (npm, dist/qrcode.mjs), copied by scripts/vendor-web.sh\n' "$qr_version" >> "$dst/VERSION"
echo "vendor-web.sh: qrcode-generator $qr_version → web/$dst"

# terra-draw and its MapLibre adapter (MIT; the packages carry no licence file, their package.json
# says MIT): the map's geometry editor (web/static/js/edit.js) draws and reshapes outlines, paths
# and points with them. The UMD builds set the globals terraDraw and terraDrawMaplibreGlAdapter.
for pkg in terra-draw terra-draw-maplibre-gl-adapter; do
  [ -f "node_modules/$pkg/dist/$pkg.umd.js" ] || { echo "vendor-web.sh: $pkg is missing; run 'npm ci' in web/ first" >&2; exit 1; }
  cp "node_modules/$pkg/dist/$pkg.umd.js" "$dst/$pkg.js"
  v=$(node -p "require('./node_modules/$pkg/package.json').version")
  printf '%s %s (npm, dist/%s.umd.js, MIT), copied by scripts/vendor-web.sh\n' "$pkg" "$v" "$pkg" >> "$dst/VERSION"
  echo "vendor-web.sh: $pkg $v → web/$dst"
done
