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

bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
cluster="$bench/pg"
rm -rf "$cluster" && mkdir -p "$cluster"
as_postgres=()
if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$cluster"; as_postgres=(runuser -u postgres --); fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_postgres[@]}" "$bin/initdb" -D "$cluster/data" -U intake --auth=trust -E UTF8 --no-locale -N > /dev/null
"${as_postgres[@]}" "$bin/pg_ctl" -D "$cluster/data" -w -l "$cluster/log" -o "-p $port -c listen_addresses=127.0.0.1 -k $cluster" start > /dev/null
trap '"${as_postgres[@]}" "$bin/pg_ctl" -D "$cluster/data" -m fast stop > /dev/null' EXIT
psql_run() { psql -X -q -h 127.0.0.1 -p "$port" -U intake "$@"; }
psql_run -d postgres -c "CREATE DATABASE bench" > /dev/null
url="postgres://intake@127.0.0.1:$port/bench"
echo "file: $data ($(du -h "$data" | cut -f1)); machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $("$bin/postgres" --version); sqlite3 $(sqlite3 --version | cut -d' ' -f1)"

timed() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$bench/time.txt" "$@" > "$bench/out.txt" 2>&1 || { cat "$bench/out.txt"; exit 1; }
  read -r wall peak < "$bench/time.txt"
  awk -v l="$label" -v w="$wall" -v p="$peak" 'BEGIN { printf "%-44s %7.2f s wall, %6.0f MiB peak\n", l, w, p / 1024 }'
}

psql_run -d bench -c "CREATE TABLE copy_floor (id BIGINT PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL, price NUMERIC NOT NULL, quantity BIGINT, weight_kg NUMERIC, released_on DATE, updated_at TIMESTAMP, supplier_email TEXT, active BOOLEAN)"
timed "postgres: psql \\copy (floor)" psql -X -q -h 127.0.0.1 -p "$port" -U intake -d bench -c "\\copy copy_floor FROM '$data' WITH (FORMAT csv, HEADER)"
timed "postgres: intake import --commit (new table)" "$intake" import "$data" --schema "$schema" --db "$url" --commit --yes
timed "postgres: intake import, dry run of the upsert" "$intake" import "$changed" --schema "$schema" --db "$url"
timed "postgres: intake import --commit, upsert 10 %" "$intake" import "$changed" --schema "$schema" --db "$url" --commit --yes
psql_run -d bench -t -c "SELECT count(*) AS rows, count(*) FILTER (WHERE name LIKE '% v2') AS changed FROM products"

rm -f "$bench/floor.db" "$bench/intake.db"
timed "sqlite: sqlite3 .import (floor)" sqlite3 "$bench/floor.db" ".import --csv $data copy_floor"
timed "sqlite: intake import --commit (new table)" "$intake" import "$data" --schema "$schema" --db "sqlite://$bench/intake.db" --commit --yes
sqlite3 "$bench/intake.db" "SELECT count(*) FROM products"
