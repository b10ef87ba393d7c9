# mipshop-lab: every target installs what it needs first (scripts/install-deps.sh is idempotent).
LAB ?= topologies/fmipv6-predictive.yaml
RUNTIME ?= netns
OUT ?= out

.PHONY: deps build demo lint test test-unit test-kernel fuzz fuzz-native bench soak sweep clean

# Docker (engine and packages) only where it is used: the docker runtime and the tests.
DEPS_FLAGS = $(if $(filter docker,$(RUNTIME)),--docker)

deps:
	scripts/install-deps.sh $(DEPS_FLAGS)

build: deps
	npm run build

# The main job: bring up a handover lab, run its scenario, judge it, tear it down.
demo: build
	node dist/cli/main.js run $(LAB) --runtime $(RUNTIME) --out $(OUT)

# Static checks: the import rules between layers (.dependency-cruiser.cjs), then Biome (biome.json):
# lint rules and formatting (`npm run format` rewrites files in the project's format).
lint: deps
	npm run lint:deps
	npm run lint:code

# The tiers run one after the other: integration and e2e tests bring up labs, tcpdumps and relays,
# and on a 2-core machine two tiers at once make their timing measures noisy.
test: DEPS_FLAGS = --docker
test: lint build
	npx vitest run --project unit
	npx vitest run --project integration
	npx vitest run --project e2e
	scripts/kernel-tier/run-tier.sh

# Chosen lab tests inside a second kernel, user-mode-linux 6.1 (sch_netem, ip6_tunnel, MIP6), on the
# netns runtime: docs/kernel-tier.md. KERNEL_TESTS="test/..." runs other files there.
test-kernel: build
	scripts/kernel-tier/run-tier.sh $(KERNEL_TESTS)

test-unit:
	npx vitest run --project unit

# Every wire decoder through FUZZ_COUNT random and mutated inputs; FUZZ_SEED and FUZZ_DECODER replay one.
FUZZ_COUNT ?= 10000000
fuzz: deps
	FUZZ_COUNT=$(FUZZ_COUNT) npx vitest run --project unit src/wire/testing/fuzz.test.ts

bench: build
	node dist/bench/main.js

# Every shipped lab SOAK times (20; SOAK=200 for a long one; SOAK_LABS=smoke,mipv6 to choose) on
# netns through the built CLI, then a check that each run left nothing (src/bench/soak.ts).
SOAK ?= 20
soak: build
	SOAK=$(SOAK) SOAK_LABS="$(SOAK_LABS)" node dist/bench/soak.js

# Cases that do not hold on every run yet, so not in `make test` (docs/fmipv6.md): ten mobile nodes on
# one PAR/NAR pair, and two crossing; the AAA-keyed FMIPv6 lab (docs/security.md).
sweep: build
	npx vitest run --project sweep

# Fuzzing of the addon's packet parsing (native/offload.c) under AddressSanitizer and UBSan: a plain C
# harness, no Node (native/README.md, "Fuzzing"). CI runs 100,000 inputs through
# test/integration/native-fuzz.test.ts; this runs FUZZ_RUNS (10,000,000) with a FUZZ_SEED.
FUZZ_RUNS ?= 10000000
FUZZ_SEED ?= $(shell date +%s)
FUZZ_CFLAGS = -std=gnu11 -O1 -g -Wall -Wextra -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

build-fuzz/offload-fuzz: native/fuzz/offload-fuzz.c native/offload.c native/offload.h
	@mkdir -p build-fuzz
	gcc $(FUZZ_CFLAGS) -o $@ native/fuzz/offload-fuzz.c native/offload.c

fuzz-native: build-fuzz/offload-fuzz
	ASAN_OPTIONS=detect_leaks=0 build-fuzz/offload-fuzz $(FUZZ_RUNS) $(FUZZ_SEED)

clean:
	-node dist/cli/main.js down --all
	rm -rf dist build build-fuzz out
