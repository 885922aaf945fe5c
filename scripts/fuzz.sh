#!/usr/bin/env bash
# Runs each fuzz target (fuzz/fuzz_targets) for SECONDS (default 60) with
# cargo-fuzz on the stable toolchain (RUSTC_BOOTSTRAP=1 lets it pass the
# sanitizer flags). New inputs go to fuzz/corpus/TARGET (not committed); the
# committed seeds in fuzz/seeds/TARGET are read, never written.
#
# A crash leaves fuzz/artifacts/TARGET/crash-*: copy it into
# fuzz/regressions/TARGET/ and fix the bug; tests/integration/fuzz_replay.rs
# replays every file there in `cargo test`.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   FUZZ_SEED=1 scripts/fuzz.sh 15      a fixed libFuzzer seed (CI); 0 = random
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(manifest_csv manifest_yaml manifest_text workbook results_reader classify)

if ! command -v cargo-fuzz >/dev/null; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1
echo "== cargo fuzz build"
cargo fuzz build -O
mkdir -p target/logs
for target in "${targets[@]}"; do
    echo "== fuzz $target for ${seconds}s"
    mkdir -p "corpus/$target"
    log="target/logs/$target.log"
    # A target nothing has broken yet has no regressions/ directory, and
    # libFuzzer stops at a corpus directory that is not there.
    dirs=("corpus/$target" "seeds/$target")
    [[ -d "regressions/$target" ]] && dirs+=("regressions/$target")
    if ! cargo fuzz run -O "$target" "${dirs[@]}" -- \
        -max_total_time="$seconds" -seed="${FUZZ_SEED:-0}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1; then
        grep -E "ERROR|panicked|SUMMARY|Test unit written" "$log" >&2 || tail -20 "$log" >&2
        echo "fuzz $target failed: crash inputs in fuzz/artifacts/$target, log in fuzz/$log" >&2
        exit 1
    fi
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$log" | tr '\n' ' '
    echo
done
echo "== fuzz: no crash in ${#targets[@]} targets × ${seconds}s"
