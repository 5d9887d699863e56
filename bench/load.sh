#!/usr/bin/env bash
# Benchmark of loads: 1,000,000 generated rows into PostgreSQL and SQLite, in the same run as the
# tools a user would otherwise use. PostgreSQL: `psql \copy` of the same file into an empty table
# (the floor), `intake import --commit` into an empty table, the dry run of an upsert of the
# same file with 10 % of the rows changed, and that upsert. SQLite: `sqlite3 .import` against
# `intake import --commit`. Starts a throwaway PostgreSQL cluster (as user postgres under root).
# Usage: bash bench/load.sh   (needs the PostgreSQL server binaries, psql and sqlite3)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
bench="$(pwd)/target/bench"
data="$bench/products-${rows}.csv"
changed="$bench/products-${rows}-changed.csv"
mkdir -p "$bench"
[ -f "$data" ] || python3 bench/generate.py "$rows" "$data"
# Every tenth row renamed: an upsert of 10 % updates.
[ -f "$changed" ] || awk -F, 'BEGIN { OFS = "," } NR > 1 && (NR - 2) % 10 == 0 { $3 = $3 " v2" } { print }' "$data" > "$changed"
cargo build --release --locked --quiet
intake="$(pwd)/target/release/intake"
schema="$(pwd)/bench/products.schema.json"

source bench/timed.sh
# Backups and journals of the commits below go to the benchmark folder.
export INTAKE_BACKUP_DIR="$bench/backups"
rm -rf "$bench/backups"
# SQLite first, with no server running beside it.
echo "file: $data ($(du -h "$data" | cut -f1)); machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
rm -f "$bench/floor.db" "$bench/keyed.db" "$bench/intake.db"
timed "sqlite: sqlite3 .import, new table" sqlite3 "$bench/floor.db" ".import --csv $data copy_floor"
# The floor: the same columns and keys as the table intake makes (as the PostgreSQL floor has).
sqlite3 "$bench/keyed.db" 'CREATE TABLE copy_floor ("id" INTEGER NOT NULL, "sku" TEXT NOT NULL UNIQUE, "name" TEXT NOT NULL, "price" TEXT NOT NULL, "quantity" INTEGER, "weight_kg" TEXT, "released_on" TEXT, "updated_at" TEXT, "supplier_email" TEXT, "active" INTEGER, PRIMARY KEY ("id"))'
timed "sqlite: sqlite3 .import, keyed table (floor)" sqlite3 "$bench/keyed.db" ".import --csv --skip 1 $data copy_floor"
timed "sqlite: intake import --commit (new table)" "$intake" import "$data" --schema "$schema" --db "sqlite://$bench/intake.db" --commit --yes
sqlite3 "$bench/intake.db" "SELECT count(*) FROM products"

source bench/pg-cluster.sh
psql_run -d postgres -c "CREATE DATABASE bench" > /dev/null
url="postgres://intake@127.0.0.1:$port/bench"
echo "$("$bin/postgres" --version)"

psql_run -d bench -c "CREATE TABLE copy_floor (id BIGINT PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL, price NUMERIC NOT NULL, quantity BIGINT, weight_kg NUMERIC, released_on DATE, updated_at TIMESTAMP, supplier_email TEXT, active BOOLEAN)"
timed "postgres: psql \\copy (floor)" psql -X -q -h 127.0.0.1 -p "$port" -U intake -d bench -c "\\copy copy_floor FROM '$data' WITH (FORMAT csv, HEADER)"
timed "postgres: intake import --commit (new table)" "$intake" import "$data" --schema "$schema" --db "$url" --commit --yes
timed "postgres: intake import, dry run of the upsert" "$intake" import "$changed" --schema "$schema" --db "$url"
timed "postgres: intake import --commit, upsert 10 %" "$intake" import "$changed" --schema "$schema" --db "$url" --commit --yes
psql_run -d bench -t -c "SELECT count(*) AS rows, count(*) FILTER (WHERE name LIKE '% v2') AS changed FROM products"


