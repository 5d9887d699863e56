#!/usr/bin/env python3
"""Memory and time of intake on mutated delimited files, one process per run.

The fuzz harness (examples/fuzz.rs) finds panics inside the readers; this finds what it cannot
see: a small file that makes a whole command (its report on the terminal included) take memory
or time out of proportion. Each run mutates a fixture (bytes set, delimiters, quotes, BOMs and
line ends inserted in runs of up to 50,000, stretches repeated or cut, another fixture spliced
in; at most 400 KB), then runs `inspect`, `map` and `validate --schema products` on it under
/usr/bin/time, with the address space capped at 3 GB and 30 s a run. A run is flagged when it
exits otherwise than 0, 1 or 2, panics, takes over 300 MB or over 5 s; flagged inputs are kept
in the output folder.

Usage: python3 bench/mutations.py RUNS [SEED] [INTAKE]   (INTAKE: target/release/intake)
Prints each flagged run, then the five largest peaks. docs/reliability.md holds the figures.
"""
import glob
import os
import random
import subprocess
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
runs = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
binary = sys.argv[3] if len(sys.argv) > 3 else os.path.join(root, "target/release/intake")
out = os.path.join(root, "target/bench/mutations")
os.makedirs(out, exist_ok=True)
seeds = sorted(
    path
    for pattern in ("**/*.csv", "**/*.tsv", "**/*.txt")
    for path in glob.glob(os.path.join(root, "fixtures", pattern), recursive=True)
)
tokens = [b",", b";", b"\t", b"|", b'"', b"\n", b"\r\n", b"\r", b" ", b"\x00",
          b"\xef\xbb\xbf", b"\xff\xfe", b"e", b"1", b".", b"-", b"sku", b"name"]


def mutate(data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not data:
            data = bytearray(b"a")
        at = rng.randrange(len(data))
        choice = rng.random()
        if choice < 0.3:
            data[at] = rng.randrange(256)
        elif choice < 0.5:
            data[at:at] = rng.choice(tokens) * rng.choice([1, 1, 2, 10, 1000, 50000])
        elif choice < 0.65:
            end = min(len(data), at + rng.randint(1, 2000))
            data[at:at] = data[at:end] * rng.choice([2, 10, 100])
        elif choice < 0.8:
            del data[at:min(len(data), at + rng.randint(1, 500))]
        else:
            with open(rng.choice(seeds), "rb") as other:
                spliced = other.read()
            start = rng.randrange(max(1, len(spliced)))
            data[at:at] = spliced[start:start + rng.randint(1, 4000)]
    return bytes(data[:400_000])


peaks = []
flagged = 0
for run in range(runs):
    with open(rng.choice(seeds), "rb") as seed:
        data = mutate(seed.read())
    extension = rng.choice([".csv", ".tsv", ".txt"])
    path = os.path.join(out, "input" + extension)
    with open(path, "wb") as file:
        file.write(data)
    for args in (["inspect", path], ["map", path, "--schema", "products"],
                 ["validate", path, "--schema", "products"]):
        command = ["/usr/bin/time", "-f", "%M %e", "prlimit", "--as=3000000000", binary] + args
        try:
            done = subprocess.run(command, capture_output=True, timeout=30)
            stderr = done.stderr.decode(errors="replace")
            kib, seconds = (float(part) for part in stderr.strip().splitlines()[-1].split()[:2])
            code = done.returncode
        except subprocess.TimeoutExpired:
            stderr, kib, seconds, code = "timed out", 0, 30.0, None
        crashed = code not in (0, 1, 2) or "panicked" in stderr or "internal defect" in stderr
        if crashed or kib > 300_000 or seconds > 5:
            flagged += 1
            kept = os.path.join(out, f"flagged-{run}-{args[0]}{extension}")
            with open(kept, "wb") as file:
                file.write(data)
            print(f"flagged: {kept}: {len(data)} bytes, exit {code}, {kib / 1024:.0f} MiB, "
                  f"{seconds:.2f} s: {stderr.splitlines()[0][:160] if stderr else ''}", flush=True)
        peaks.append((kib, len(data), args[0]))
peaks.sort(reverse=True)
print(f"{len(peaks)} runs, {flagged} flagged; largest peaks:")
for kib, size, command in peaks[:5]:
    print(f"  {command}: {kib / 1024:.1f} MiB on {size} bytes")
sys.exit(1 if flagged else 0)
