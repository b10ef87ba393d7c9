# mipshop-lab: every target installs what it needs first (scripts/install-deps.sh is idempotent).
LAB ?= topologies/fmipv6-predictive.yaml
RUNTIME ?= netns
OUT ?= out

.PHONY: deps build demo test test-unit bench clean

# Docker (engine and packages) only where it is used: the docker runtime and the tests.
DEPS_FLAGS = $(if $(filter docker,$(RUNTIME)),--docker)

deps:
	scripts/install-deps.sh $(DEPS_FLAGS)

build: deps
	npm run build

# The main job: bring up a handover lab, run its scenario, judge it, tear it down.
demo: build
	node dist/cli/main.js run $(LAB) --runtime $(RUNTIME) --out $(OUT)

# The tiers run one after the other: integration and e2e tests bring up labs, tcpdumps and relays,
# and on a 2-core machine two tiers at once make their timing measures noisy.
test: DEPS_FLAGS = --docker
test: build
	npx vitest run --project unit
	npx vitest run --project integration
	npx vitest run --project e2e

test-unit:
	npx vitest run --project unit

bench: build
	node dist/bench/main.js

clean:
	-node dist/cli/main.js down --all
	rm -rf dist build out
