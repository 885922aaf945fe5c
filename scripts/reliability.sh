#!/usr/bin/env bash
# The long reliability runs that `cargo test` only samples: the full crash
# sweep (every N of a 45-operation manifest, a spread over 300 operations,
# the binary rerun at every byte cut of a torn results file), the long
# fault-matrix mixes, and 20,000 rounds of random manifest corruption.
# RELIABILITY.md lists what each asserts.
#
#   scripts/reliability.sh           everything (a few minutes)
#   scripts/reliability.sh --quick   the CI slice (about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
[[ "${1:-}" == "--quick" ]] && quick=true

run() {
    echo "== $*"
    local start=$SECONDS
    "$@"
    echo "   ($((SECONDS - start)) s)"
}

cargo build --locked --tests --quiet
if $quick; then
    run env GREENBATCH_CRASH_SWEEP=full cargo test --locked --quiet --test integration \
        crash_sweep::killed_after -- --nocapture
    run env GREENBATCH_FAULT_MATRIX=full cargo test --locked --quiet --test integration \
        fault_matrix::one_fault_at_a_time -- --nocapture
    run env GREENBATCH_FUZZ_ROUNDS=3000 cargo test --locked --quiet --test integration \
        manifest_hostile::random_corruptions -- --nocapture
else
    run env GREENBATCH_CRASH_SWEEP=full cargo test --locked --quiet --test integration \
        crash_ -- --nocapture --test-threads 1
    run env GREENBATCH_FAULT_MATRIX=full cargo test --locked --quiet --test integration \
        fault_matrix -- --nocapture --test-threads 1
    run env GREENBATCH_FUZZ_ROUNDS=20000 cargo test --locked --quiet --test integration \
        manifest_hostile::random_corruptions -- --nocapture
fi
echo "== reliability: all passed"
