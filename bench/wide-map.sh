#!/usr/bin/env bash
# Stage 1 on a wide file: `intake map` of 16,000 columns whose headers are made of business words
# and numbers (every header compared with every name of every field), against the products
# schema, five runs. Usage: bash bench/wide-map.sh [INTAKE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bench="${BENCH_DIR:-/tmp/intake-bench}"
mkdir -p "$bench"
intake="${1:-}"
if [ -z "$intake" ]; then
  cargo build --release --locked --quiet
  intake=target/release/intake
fi
python3 - "$bench/wide-16000.csv" <<'PY'
import random, sys
random.seed(1)
words = ["alpha", "beta", "gamma", "delta", "price", "stock", "name", "qty", "code", "date",
         "total", "city", "Preis", "Menge", "Nom", "Prix"]
headers = ["_".join(random.choice(words) for _ in range(random.randint(1, 3))) + str(i)
           for i in range(16000)]
with open(sys.argv[1], "w") as out:
    out.write(",".join(headers) + "\n" + ",".join("1" for _ in headers) + "\n")
PY
. bench/timed.sh
for run in 1 2 3 4 5; do
  timed "map, 16,000 columns (run $run)" "$intake" map "$bench/wide-16000.csv" --schema products
done
