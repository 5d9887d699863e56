# Sourced by the benchmark scripts: starts a throwaway PostgreSQL cluster under target/bench/pg
# (as user postgres under root) on a free port, stops it on exit, and defines psql_run, $port,
# $bin (the server's binaries), and timed (bench/timed.sh).
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

source bench/timed.sh
