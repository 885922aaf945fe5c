#!/usr/bin/env bash
# The long reliability runs that `cargo test` only samples: the full crash
# sweep (every N of a 45-operation manifest, a spread over 300 operations,
# the binary rerun at every byte cut of a torn results file), the long
# fault-matrix mixes, and 20,000 rounds of random manifest corruption.
# RELIABILITY.md lists what each asserts.
#
#   scripts/reliability.sh           everything (about two minutes)
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
T=(cargo test --locked --quiet --test integration)
if $quick; then
    run env GREENBATCH_CRASH_SWEEP=full "${T[@]}" crash_sweep::killed_after -- --nocapture
    run env GREENBATCH_CRASH_SWEEP=full "${T[@]}" crash_torn -- --nocapture
    run env GREENBATCH_FAULT_MATRIX=full "${T[@]}" fault_matrix::one_fault_at_a_time -- --nocapture
    run env GREENBATCH_FUZZ_ROUNDS=3000 "${T[@]}" manifest_hostile::random_corruptions -- --nocapture
else
    run env GREENBATCH_CRASH_SWEEP=full "${T[@]}" crash_ -- --nocapture --test-threads 1
    run env GREENBATCH_FAULT_MATRIX=full "${T[@]}" fault_ -- --nocapture --test-threads 1
    run "${T[@]}" -- hostile_answers manifest_yaml_suite exposure secrets fuzz_replay --nocapture
    run env GREENBATCH_FUZZ_ROUNDS=20000 "${T[@]}" manifest_hostile::random_corruptions -- --nocapture
fi
echo "== reliability: all passed"
