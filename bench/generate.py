"""Writes a deterministic CSV for benchmarks: python3 bench/generate.py ROWS PATH.

Ten columns of the kinds real files hold: integer ids, codes, names, decimal prices, quantities,
weights, dates, date-times, e-mail addresses and booleans, with a few empty cells.
"""
import csv
import datetime
import random
import sys

rows = int(sys.argv[1])
path = sys.argv[2]
random.seed(42)
words = ["Widget", "Gadget", "Bolt", "Tray", "Lid", "Hose", "Desk", "Mug", "Pliers", "Lamp"]
start = datetime.date(2015, 1, 1)
with open(path, "w", newline="") as handle:
    writer = csv.writer(handle)
    writer.writerow(["id", "sku", "name", "price", "quantity", "weight_kg", "released_on", "updated_at", "supplier_email", "active"])
    for index in range(rows):
        day = start + datetime.timedelta(days=index % 3650)
        writer.writerow([
            index + 1,
            f"SKU-{index:07d}",
            f"{random.choice(words)} {random.choice(words).lower()} {index % 977}",
            f"{random.randint(0, 99999) / 100:.2f}",
            random.randint(0, 5000),
            "" if index % 13 == 0 else f"{random.randint(1, 5000) / 1000:.3f}",
            day.isoformat(),
            f"{day.isoformat()} {index % 24:02d}:{index % 60:02d}:00",
            "" if index % 7 == 0 else f"buyer{index % 5000}@example.com",
            random.choice(["yes", "no"]),
        ])
