# mipshop-lab: every target installs what it needs first (scripts/install-deps.sh is idempotent).
LAB ?= topologies/fmipv6-predictive.yaml
RUNTIME ?= netns
OUT ?= out

.PHONY: deps build demo lint test test-unit fuzz bench clean

deps:
	scripts/install-deps.sh

build: deps
	npm run build

# The main job: bring up a handover lab, run its scenario, judge it, tear it down.
demo: build
	node dist/cli/main.js run $(LAB) --runtime $(RUNTIME) --out $(OUT)

# Static checks: the import rules between layers (.dependency-cruiser.cjs).
lint: deps
	npm run lint:deps

# The tiers run one after the other: integration and e2e tests bring up labs, tcpdumps and relays,
# and on a 2-core machine two tiers at once make their timing measures noisy.
test: lint build
	npx vitest run --project unit
	npx vitest run --project integration
	npx vitest run --project e2e

test-unit:
	npx vitest run --project unit

# Every wire decoder through FUZZ_COUNT random and mutated inputs; FUZZ_SEED and FUZZ_DECODER replay one.
FUZZ_COUNT ?= 10000000
fuzz: deps
	FUZZ_COUNT=$(FUZZ_COUNT) npx vitest run --project unit src/wire/testing/fuzz.test.ts

bench: build
	node dist/bench/main.js

clean:
	-node dist/cli/main.js down --all
	rm -rf dist build out
