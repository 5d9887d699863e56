#!/usr/bin/env bash
# Benchmark of `intake validate` on a 1,000,000-row, 10-column CSV against a Table Schema
# (bench/products.schema.json), in the same run as the floor (a bare csv-crate read of the same
# file, examples/csv_floor.rs) and frictionless-py's `frictionless validate` on its first
# 100,000 rows (the whole file takes it minutes), compared as rows per second.
# Usage: bash bench/validate.sh   (needs python3 with frictionless; prints times, peak memory and
# the ratios of the medians)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
data="target/bench/products-${rows}.csv"
mkdir -p target/bench
[ -f "$data" ] || python3 bench/generate.py "$rows" "$data"
head -100001 "$data" > target/bench/products-100000.csv
cp bench/products.schema.json target/bench/products.schema.json
cargo build --release --locked --quiet --example csv_floor
cargo build --release --locked --quiet
echo "file: $data ($(du -h "$data" | cut -f1)); machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(frictionless --version 2>/dev/null | head -1)"
timing="$(pwd)/target/bench/time.txt"
# Wall time to the millisecond (GNU time's own is to the hundredth, too coarse beside a floor of
# a tenth of a second); user time and peak memory from GNU time. Five runs each, then the
# median, by which the tools are compared.
run() {
  local key="$1" label="$2" rows="$3"; shift 3
  local walls=()
  for attempt in 1 2 3 4 5; do
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f "%U %M" -o "$timing" "$@" > /dev/null 2>&1 || true
    end=$(date +%s%N)
    read -r user peak < "$timing"
    local wall
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
    walls+=("$wall")
    awk -v l="$label" -v a="$attempt" -v w="$wall" -v u="$user" -v p="$peak" -v r="$rows" \
      'BEGIN { printf "%-38s run %d: %6.3f s wall, %6.2f s user, %5.0f MiB peak, %9.0f rows/s\n", l, a, w, u, p / 1024, r / w }'
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 3p)
  echo "$median" > "$medians/$key"
  awk -v l="$label" -v m="$median" -v r="$rows" 'BEGIN { printf "%-38s median: %6.3f s, %9.0f rows/s\n", l, m, r / m }'
}
medians="$(pwd)/target/bench/medians"
mkdir -p "$medians"
run floor "csv crate, read only (floor)" "$rows" target/release/examples/csv_floor "$data"
run intake "intake validate" "$rows" target/release/intake validate "$data" --schema bench/products.schema.json
(cd target/bench && run frictionless "frictionless validate (100,000 rows)" 100000 frictionless validate products-100000.csv --schema products.schema.json)
floor=$(cat "$medians/floor")
intake=$(cat "$medians/intake")
friction=$(cat "$medians/frictionless")
awk -v f="$floor" -v i="$intake" -v x="$friction" 'BEGIN {
  printf "intake against the floor: %.2f times as long (target: within 3)\n", i / f
  printf "intake against frictionless: %.0f times as fast per row (target: at least 30)\n", (1000000 / i) / (100000 / x)
}'
