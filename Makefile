# renewmap — see README.md. `make run` and `make test` set everything up on a fresh Debian machine.
.PHONY: run test stop build demo bench fuzz test-cluster bench-scale

run: ## install what is missing, start PostGIS, load the demo data, serve http://127.0.0.1:8080
	bash scripts/dev.sh run

test: ## the same set-up, then every test
	bash scripts/dev.sh test

stop: ## stop the private PostGIS cluster
	bash scripts/pg.sh stop

build:
	go build -o bin/renewmap ./cmd/renewmap

demo: ## regenerate the demonstration dataset in geodata/tiexi (deterministic)
	go run ./cmd/renewmap gen-demo -out geodata/tiexi

bench: ## measure tiles on the demo district (docs/performance.md)
	bash scripts/bench.sh

fuzz: ## every fuzz target for a minute each
	bash scripts/fuzz.sh 60

test-cluster: ## two instances behind nginx on a primary + streaming replica, on loopback (docs/scaling.md)
	bash scripts/test-cluster.sh

bench-scale: ## the demo district next to gen-demo -scale 50: load time, tiles, coverage, what-if, memory
	bash scripts/bench-scale.sh
