#!/usr/bin/env bash
# Benchmark of `intake validate` on a 1,000,000-row, 10-column CSV against a Table Schema
# (bench/products.schema.json), in the same run as the floor (a bare csv-crate read of the same
# file, examples/csv_floor.rs) and frictionless-py's `frictionless validate` on its first
# 100,000 rows (the whole file takes it minutes), compared as rows per second.
# Usage: bash bench/validate.sh   (needs python3 with frictionless; prints times and peak memory)
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
run() {
  local label="$1" rows="$2"; shift 2
  for attempt in 1 2 3; do
    /usr/bin/time -f "%e %U %M" -o "$timing" "$@" > /dev/null 2>&1 || true
    read -r wall user peak < "$timing"
    awk -v l="$label" -v a="$attempt" -v w="$wall" -v u="$user" -v p="$peak" -v r="$rows" \
      'BEGIN { printf "%-34s run %d: %6.2f s wall, %6.2f s user, %7.0f MiB peak, %9.0f rows/s\n", l, a, w, u, p / 1024, r / w }'
  done
}
run "csv crate, read only (floor)" "$rows" target/release/examples/csv_floor "$data"
run "intake validate" "$rows" target/release/intake validate "$data" --schema bench/products.schema.json
(cd target/bench && run "frictionless validate (100,000 rows)" 100000 frictionless validate products-100000.csv --schema products.schema.json)
