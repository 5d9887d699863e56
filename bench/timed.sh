# Sourced by the benchmark scripts: timed LABEL COMMAND... runs the command and prints its wall
# time and peak memory; $bench is the benchmark folder.
timed() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$bench/time.txt" "$@" > "$bench/out.txt" 2>&1 || { cat "$bench/out.txt"; exit 1; }
  read -r wall peak < "$bench/time.txt"
  awk -v l="$label" -v w="$wall" -v p="$peak" 'BEGIN { printf "%-48s %7.2f s wall, %6.0f MiB peak\n", l, w, p / 1024 }'
}
