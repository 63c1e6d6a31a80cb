#!/bin/bash
# bench/converge.sh - the convergence property over more worlds and more
# interleavings than the test suite runs (docs/offline.md): for each world
# seed, an office and three tablets work offline, then every log is delivered
# to fresh replicas in BT_CONVERGE_RUNS random interleavings; every replica
# must equal the office byte for byte. Prints the figures; exits 1 on the
# first world that does not converge.
#
# Usage: bench/converge.sh [TEST_BUILD_DIR] [WORLDS] [RUNS]
#   TEST_BUILD_DIR  a build with the tests (default build-test: scripts/test.sh makes it)
#   WORLDS          how many world seeds (default 10)
#   RUNS            interleavings per world (default 1000)
set -euo pipefail
BUILD=${1:-build-test}
WORLDS=${2:-10}
RUNS=${3:-1000}
T="$BUILD/tests/test_converge"
[ -x "$T" ] || { echo "no $T: build the tests first (bash scripts/test.sh)" >&2; exit 2; }
total=0
t0=$(date +%s.%N)
for w in $(seq 1 "$WORLDS"); do
  seed=$((20261204 + w))
  out=$(BT_CONVERGE_WORLD=$seed BT_CONVERGE_RUNS=$RUNS "$T" 2>&1) || {
    echo "world $seed: does not converge"; echo "$out" | tail -40; exit 1; }
  echo "world $seed: $RUNS interleavings agree; $(echo "$out" | grep -o 'world: .*' | head -1)"
  total=$((total + RUNS))
done
t1=$(date +%s.%N)
awk -v n="$total" -v w="$WORLDS" -v t0="$t0" -v t1="$t1" \
  'BEGIN { printf "%d interleavings of %d worlds converge (%.1f s, %.0f interleavings/s)\n", n, w, t1 - t0, n / (t1 - t0) }'
