#!/usr/bin/env bash
# Benchmark of `intake inspect` on a 1,000,000-row CSV, against what a user would otherwise run:
# pandas (read_csv, then dtypes, describe, nunique and the share of empty cells per column).
# Usage: bash bench/inspect.sh [ROWS]   (needs python3 with pandas; prints seconds and peak memory)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
data="target/bench/products-${rows}.csv"
mkdir -p target/bench
[ -f "$data" ] || python3 bench/generate.py "$rows" "$data"
cargo build --release --locked --quiet
echo "file: $data ($(du -h "$data" | cut -f1), $rows rows); machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB"
measure() {
  local label="$1"; shift
  for run in 1 2 3; do
    /usr/bin/time -f "$label run $run: %e s wall, %U s user, %M KiB peak" "$@" > /dev/null
  done
}
measure "intake inspect" target/release/intake inspect "$data" --format json
measure "pandas profile" python3 -c "
import sys, pandas as pd
frame = pd.read_csv(sys.argv[1])
frame.dtypes; frame.describe(include='all'); frame.nunique(); frame.isna().mean()
" "$data"
