#!/usr/bin/env bash
# Benchmark of backups: a 1,000,000-row PostgreSQL table (the generated products file, loaded
# with psql \copy into a table with a primary key and a unique column), in the same run:
# `pg_dump -Fc -t products` against `intake backup create --tables products`, then
# `pg_restore` of that dump into an empty database against `intake backup restore` into another
# empty database; then, for what it costs, `intake backup verify` and a second restore of the
# same backup (which finds every row equal and writes nothing).
# Usage: bash bench/backup.sh   (needs the PostgreSQL server binaries, psql, pg_dump, pg_restore)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000
bench="$(pwd)/target/bench"
data="$bench/products-${rows}.csv"
mkdir -p "$bench"
[ -f "$data" ] || python3 bench/generate.py "$rows" "$data"
cargo build --release --locked --quiet
intake="$(pwd)/target/release/intake"
source bench/pg-cluster.sh
for database in bench restored_by_pg restored_by_intake; do
  psql_run -d postgres -c "CREATE DATABASE $database" > /dev/null
done
url="postgres://intake@127.0.0.1:$port"
echo "table: $rows rows from $data; machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $("$bin/postgres" --version)"
psql_run -d bench -c "CREATE TABLE products (id BIGINT PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL, price NUMERIC NOT NULL, quantity BIGINT, weight_kg NUMERIC, released_on DATE, updated_at TIMESTAMP, supplier_email TEXT, active TEXT)"
psql_run -d bench -c "\\copy products FROM '$data' WITH (FORMAT csv, HEADER)"
psql_run -d bench -c "VACUUM ANALYZE products"

rm -rf "$bench/backups" "$bench/products.dump"
timed "pg_dump -Fc -t products" "$bin/pg_dump" -h 127.0.0.1 -p "$port" -U intake -Fc -t products -f "$bench/products.dump" bench
timed "intake backup create --tables products" "$intake" backup create --tables products --db "$url/bench" --dir "$bench/backups"
id="$(ls "$bench/backups" | grep -v '\.' | head -1)"
echo "sizes: pg_dump $(du -h "$bench/products.dump" | cut -f1), intake $(du -sh "$bench/backups/$id" | cut -f1)"
timed "pg_restore into an empty database" "$bin/pg_restore" -h 127.0.0.1 -p "$port" -U intake -d restored_by_pg "$bench/products.dump"
timed "intake backup restore into an empty database" "$intake" backup restore "$id" --db "$url/restored_by_intake" --dir "$bench/backups" --yes
timed "intake backup verify" "$intake" backup verify "$id" --dir "$bench/backups"
timed "intake backup restore again (nothing to write)" "$intake" backup restore "$id" --db "$url/restored_by_intake" --dir "$bench/backups" --yes
for database in restored_by_pg restored_by_intake; do
  psql_run -d "$database" -t -c "SELECT '$database', count(*), sum(length(name)), sum(price) FROM products"
done
