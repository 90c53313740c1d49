"""Import benchmark: a plant of 10,000 items, 50,000 BOM lines and 20,000 routing operations.

    .venv/bin/python bench/import_bench.py

Runs against a throwaway database (`takt_bench`, or TAKT_BENCH_DATABASE) created on the same
PostgreSQL server as the configured one (the embedded server by default) and dropped at the end,
so the dev data is never touched. Generates the CSV folder, times `import_folder` on the empty
database and again as a re-import of the same folder, times `export_folder`, and fails if an
import takes LIMIT_SECONDS or more. Results go into docs/benchmarks.md by hand.
"""

import csv
import itertools
import random
import tempfile
import time
from pathlib import Path

from _throwaway import throwaway_database

LIMIT_SECONDS = 60
SEED = 20260101
PARTNERS, WORK_CENTERS = 200, 50
# Item levels, top down: finished goods, subassemblies, made parts, bought parts (10,000 items).
LEVELS = (("FG", 500, "make"), ("SA", 1500, "make"), ("MP", 3000, "make"), ("BP", 5000, "buy"))
LINES_PER_BOM = 10  # 5,000 made items x 10 lines = 50,000 BOM lines
TWO_REVISIONS = 500  # of them, with revisions A and B (5 lines each), B effective from a date
OPERATIONS_PER_ROUTING = 4  # 5,000 routings x 4 = 20,000 operations


def generate(folder: Path, *, changed: bool = False) -> dict[str, int]:
    """Write the plant's five files; a multi-level BOM where parents only use lower levels (acyclic).

    `changed`: the same plant with every item, BOM line and operation edited (names, costs, quantities, times).
    """
    rng = random.Random(SEED)
    suppliers = [f"S{n:03d}" for n in range(1, 151)]
    rows = {
        "partners.csv": [["code", "name", "kind", "currency", "lead_time_days"]]
        + [[code, f"Supplier {code}", "supplier", "EUR", rng.randint(2, 30)] for code in suppliers]
        + [[f"C{n:03d}", f"Customer {n}", rng.choice(["customer", "both"]), "USD", ""] for n in range(1, 51)],
        "work_centers.csv": [["code", "name", "machines", "hours_per_day", "cost_per_hour"]]
        + [
            [f"WC{n:02d}", f"Work center {n}", rng.randint(1, 6), "16", f"{rng.randint(30, 120)}.5"]
            for n in range(1, 51)
        ],
        "items.csv": [
            [
                "code",
                "name",
                "uom",
                "procurement",
                "lead_time_days",
                "safety_stock",
                "lot_policy",
                "lot_qty",
                "min_qty",
                "multiple_qty",
                "standard_cost",
                "supplier",
            ]
        ],
        "boms.csv": [["parent", "component", "qty_per", "scrap_pct", "revision", "effective_from"]],
        "routings.csv": [["item", "seq", "work_center", "setup_minutes", "run_minutes_per_unit"]],
    }
    levels = []
    for prefix, count, procurement in LEVELS:
        codes = [f"{prefix}-{n:05d}" for n in range(1, count + 1)]
        levels.append(codes)
        for code in codes:
            policy = rng.choice(["lot_for_lot", "fixed", "min_multiple"])
            lot = (
                ["100", "", ""] if policy == "fixed" else ["", "50", "10"] if policy == "min_multiple" else ["", "", ""]
            )
            supplier = rng.choice(suppliers) if procurement == "buy" else ""
            uom = rng.choice(["ea", "ea", "ea", "kg", "m"]) if procurement == "buy" else "ea"
            cost = f"{rng.uniform(0.1, 500):.4f}"
            rows["items.csv"].append(
                [
                    code,
                    f"Item {code}",
                    uom,
                    procurement,
                    rng.randint(0, 20),
                    rng.randint(0, 50),
                    policy,
                    *lot,
                    cost,
                    supplier,
                ]
            )
    made = [code for codes in levels[:-1] for code in codes]
    two_revisions = set(rng.sample(made, TWO_REVISIONS))
    for depth, codes in enumerate(levels[:-1]):
        below = [code for lower in levels[depth + 1 :] for code in lower]
        for parent in codes:
            components = rng.sample(below, LINES_PER_BOM)
            if parent in two_revisions:
                revisions = [("A", "", components[:5]), ("B", "2026-07-01", components[5:])]
            else:
                revisions = [("A", "", components)]
            for revision, effective_from, chosen in revisions:
                for component in chosen:
                    qty = f"{rng.choice([1, 1, 2, 4])}" if component[:2] != "BP" else f"{rng.uniform(0.01, 5):.3f}"
                    rows["boms.csv"].append(
                        [parent, component, qty, rng.choice(["", "0", "1.5"]), revision, effective_from]
                    )
            for op in range(1, OPERATIONS_PER_ROUTING + 1):
                work_center = f"WC{rng.randint(1, WORK_CENTERS):02d}"
                rows["routings.csv"].append(
                    [parent, op * 10, work_center, rng.randint(0, 60), f"{rng.uniform(0.1, 12):.2f}"]
                )
    if changed:
        for row in rows["items.csv"][1:]:
            row[1], row[10] = f"{row[1]} v2", f"{float(row[10]) + 1:.4f}"
        for row in rows["boms.csv"][1:]:
            row[2] = f"{float(row[2]) * 2:.3f}"
        for row in rows["routings.csv"][1:]:
            row[4] = f"{float(row[4]) + 1:.2f}"
    for name, file_rows in rows.items():
        with (folder / name).open("w", newline="", encoding="utf-8") as stream:
            csv.writer(stream, lineterminator="\n").writerows(file_rows)
    return {name: len(file_rows) - 1 for name, file_rows in rows.items()}


def _timed_import(folder: Path, import_folder) -> tuple[float, dict, list[float]]:
    """(seconds, counts, seconds per file); a file's time runs to the next one's start, the last to the commit."""
    file_starts: list[float] = []
    started = time.perf_counter()
    counts = import_folder(folder, progress=lambda percent, message, params: file_starts.append(time.perf_counter()))
    ended = time.perf_counter()
    file_times = [end - start for start, end in itertools.pairwise([*file_starts, ended])]
    return ended - started, counts, file_times


def run() -> None:
    with throwaway_database("takt_bench"):
        from core.services.dataio import export_folder, import_folder

        with tempfile.TemporaryDirectory(prefix="takt-bench-") as tmp:
            folder = Path(tmp) / "plant"
            folder.mkdir()
            sizes = generate(folder)
            print("Generated:", ", ".join(f"{name} {rows:,} rows" for name, rows in sizes.items()))
            timings = {}
            runs = ("import into an empty database", "re-import of the same folder", "re-import, every row changed")
            for label in runs:
                if label == runs[2]:
                    generate(folder, changed=True)
                timings[label], counts, file_times = _timed_import(folder, import_folder)
                print(f"{label}: {timings[label]:.1f} s")
                for (name, file_counts), seconds in zip(counts.items(), file_times, strict=True):
                    described = ", ".join(f"{key} {value:,}" for key, value in file_counts.items())
                    print(f"    {name} {seconds:.1f} s: {described}")
            started = time.perf_counter()
            export_folder(Path(tmp) / "export")
            print(f"export of the whole plant: {time.perf_counter() - started:.1f} s")
    slow = {label: seconds for label, seconds in timings.items() if seconds >= LIMIT_SECONDS}
    assert not slow, f"slower than {LIMIT_SECONDS} s: {slow}"
    print(f"OK: every import under {LIMIT_SECONDS} s")


if __name__ == "__main__":
    run()
