#!/usr/bin/env bash
# Peak memory and wall time of intake on the hostile inputs that broke earlier versions (issue 17):
# each must end in a result or a plain error (exit 0, 1 or 2) within the memory bound of its row.
# The inputs are generated here (a 1 GiB string packed in a 1 MB xlsx, a line of a million commas,
# 200,000 columns, a quote never closed over 70 MB, a 1 MB header cell) or taken from
# fixtures/damaged/ (among them the two that bench/mutations.py found). docs/reliability.md holds
# the figures.
# Usage: bash bench/hostile.sh            (release build)
#        INTAKE=target/debug/intake bash bench/hostile.sh   (a build at hand)
# Exit 1 when any input crosses its bound or ends otherwise than in exit 0, 1 or 2.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=target/bench/hostile
mkdir -p "$bench"
if [ -z "${INTAKE:-}" ]; then
  cargo build --release --locked --quiet
  INTAKE=target/release/intake
fi

python3 - "$bench" <<'PY'
import os, sys, zipfile
bench = sys.argv[1]

def write(name, data):
    path = os.path.join(bench, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)

# A workbook whose one shared string is 1 GiB of "A": deflate packs it into about 1 MB.
path = os.path.join(bench, "gib-string.xlsx")
if not os.path.exists(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
            chunk = b"A" * (1 << 24)
            for _ in range(64):
                f.write(chunk)
            f.write(b"</t></si></sst>")

# A line of a million commas under the header of the shipped fixture.
header = open("fixtures/products.csv", "rb").readline()
write("million-commas.csv", header + b"WID-001,Widget,12.50,100" + b"," * 1_000_000 + b"\n")
# 200,000 columns, over the limit of 16,384.
write("wide.csv", b",".join(b"c%d" % i for i in range(200_000)) + b"\n" + b"1," * 199_999 + b"1\n")
# A quote opened and never closed, 70 MB on.
write("unclosed-quote.csv", b"sku,name\nA-1,\"" + b"x" * 70_000_000 + b"\n")
# One header cell of 1 MB.
write("long-header.csv", b"sku," + b"n" * 1_000_000 + b"\nA-1,Widget\n")
PY

failed=0
# check LABEL BOUND_MIB ARGS...: runs intake ARGS, prints exit code, wall time and peak memory.
check() {
  local label="$1" bound="$2"; shift 2
  local code=0
  /usr/bin/time -f "%e %M" -o "$bench/time.txt" "$INTAKE" "$@" > "$bench/out.txt" 2> "$bench/err.txt" || code=$?
  local wall peak
  read -r wall peak < <(tail -1 "$bench/time.txt")
  local verdict=ok
  if [ "$code" -gt 2 ] || [ "$((peak / 1024))" -ge "$bound" ] || grep -q -e panicked -e "internal defect" "$bench/err.txt"; then
    verdict=FAILED
    failed=1
  fi
  awk -v l="$label" -v c="$code" -v w="$wall" -v p="$peak" -v b="$bound" -v v="$verdict" \
    'BEGIN { printf "%-52s exit %d %7.2f s %7.1f MiB (bound %d MiB) %s\n", l, c, w, p / 1024, b, v }'
}

echo "intake: $INTAKE; machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB"
check "1 GiB string in a 1 MB xlsx" 64 inspect "$bench/gib-string.xlsx"
check "cells at A1 and XFD1048576 (xlsx)" 64 inspect fixtures/damaged/far-cell.xlsx
check "looping sector chain (xls)" 64 inspect fixtures/damaged/looping-sectors.xls
check "ods table never closed" 64 inspect fixtures/damaged/unclosed.ods
check "ods row repeated 2^31 times" 64 inspect fixtures/damaged/rows-repeat.ods
check "ods cells repeated 16,384 x 100,000" 64 inspect fixtures/damaged/columns-repeat.ods
check "a line of a million commas (inspect)" 128 inspect "$bench/million-commas.csv"
check "a line of a million commas (validate)" 128 validate "$bench/million-commas.csv" --schema products
check "200,000 columns (map)" 128 map "$bench/wide.csv" --schema products
check "a quote never closed over 70 MB" 256 inspect "$bench/unclosed-quote.csv"
check "a 1 MB header cell (map)" 128 map "$bench/long-header.csv" --schema products
check "150 KB of 14,892 columns, a 100,000-char header" 256 inspect fixtures/damaged/wide-long-header.csv
check "the same (map)" 256 map fixtures/damaged/wide-long-header.csv --schema products
check "a 49 KB header, required fields left open" 64 validate fixtures/damaged/long-header-missing.txt \
  --schema products
check "--batch-size 1000000000" 64 import fixtures/products.csv --schema products \
  --db "$bench/batch.sqlite" --batch-size 1000000000
if [ -e "$bench/batch.sqlite" ]; then
  echo "--batch-size 1000000000 left $bench/batch.sqlite behind: FAILED"
  failed=1
fi
exit "$failed"
