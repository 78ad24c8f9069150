#!/usr/bin/env bash
# dev.sh run|test|bench — the set-up contract behind `make run` and `make test`: install what is
# missing, start the private PostGIS (unless DATABASE_URL names another), then run or test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(bash scripts/pg.sh start)
  export DATABASE_URL
fi

case "${1:-}" in
  run)
    go build -o bin/renewmap ./cmd/renewmap
    exec ./bin/renewmap serve -load-demo # a real installation starts empty; make run shows the demo
    ;;
  test)
    go vet ./...
    go test -count=1 ./...
    bash scripts/test-cluster.sh # primary + streaming replica, two instances, nginx: about a minute
    bash scripts/fuzz.sh 5
    bash scripts/e2e.sh
    ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
