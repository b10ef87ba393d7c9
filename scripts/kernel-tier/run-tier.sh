#!/usr/bin/env bash
# `make test-kernel`: chosen lab tests inside the user-mode-linux kernel (docs/kernel-tier.md), on the
# netns runtime, in one vitest process. Their output is printed; results (vitest JSON), the labs'
# pcaps, logs and results.json, and the kernel's console stay under OUT (default out/kernel-tier).
#   scripts/kernel-tier/run-tier.sh [TEST_FILE...]     (default: KERNEL_TIER_TESTS below)
# Exit status: the tests'. Without linux.uml the tier is skipped, except under CI=true, where it fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${KERNEL_TIER_OUT:-out/kernel-tier}

# Chosen from the timing trial (docs/kernel-tier.md): inside UML a lab comes up in ~20 s and vitest
# starts in ~13 s, so a few files in one process.
KERNEL_TIER_TESTS=(
  test/e2e/cli-doctor.test.ts
  test/integration/smoke-lab.test.ts
  test/kernel/impairment-paths.test.ts
  test/kernel/mipv6.test.ts
)
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("${KERNEL_TIER_TESTS[@]}")

if ! command -v linux.uml >/dev/null; then
  if [ "${CI:-}" = true ]; then
    echo "kernel tier: linux.uml missing under CI=true (scripts/install-deps.sh installs user-mode-linux)" >&2
    exit 1
  fi
  echo "kernel tier skipped: linux.uml not found (apt-get install user-mode-linux)"
  exit 0
fi
[ -f dist/cli/main.js ] || { echo "kernel tier: dist/ missing (npm run build)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
set +e
scripts/kernel-tier/uml-run.sh --mem 2G --timeout "${KERNEL_TIER_TIMEOUT:-840}" "$out" -- \
  npx vitest run --project integration --project e2e --project kernel --maxWorkers=1 \
  --reporter=default --reporter=json --outputFile.json="$PWD/$out/vitest.json" "${tests[@]}"
status=$?
set -e
echo "---- kernel tier: output of the tests inside UML ($out/output.log) ----"
cat "$out/output.log" 2>/dev/null || true
echo "---- kernel tier: exit $status, $(($(date +%s) - start)) s wall; $(cat "$out/timing" 2>/dev/null | tr '\n' ' ')----"
if [ "$status" -ne 0 ]; then
  echo "kernel tier FAILED (console: $out/console.log; labs' outputs: $out/tmp/)" >&2
fi
exit "$status"
