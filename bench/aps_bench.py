"""Scheduling benchmark (issue "APS part 2"): OR-Library job shops scheduled through the planners' service.

    .venv/bin/python bench/aps_bench.py                   # ft06, ft10, la01..la20 (about 5 minutes)
    .venv/bin/python bench/aps_bench.py --only ft06,la01  # a quick try

Targets: "ft06 at its optimum 55 within 5 s, ft10 at 930 within 120 s, la01-la20 at their optima within
60 s each; the time outside the solver (loading, storing) under 10 % of the total."

Runs on a throwaway database `takt_bench_aps` (or TAKT_BENCH_DATABASE) on the configured server
(DATABASE_URL's), dropped at the end. Each instance of bench/jobshop/ is scheduled by
`manage.py aps_bench FILE --time-limit S --json OUT` in a process of its own (the instance becomes
work centers, machines, items and released production orders; `schedule_create` and `schedule_solve`
schedule them for the shortest makespan; the command rolls everything back), with S = 5 s for ft06,
120 s for ft10 and 60 s for each la instance. The schedule in the JSON is then checked here against the
instance file, on its own: every operation once, on its machine, for its duration, each job's operations
in order, no two operations on a machine at once, the makespan the latest end, and equal to the optimum
of bench/jobshop/optima.json.

"Within S" is the solver's own seconds (`solve_seconds`: the dispatching rule, the CP-SAT model and its
search) against the time limit it was given (CP-SAT stops a few milliseconds after it: 1 % is allowed).
The time outside the solver is the command's seconds (`total_seconds`: from reading the file to the
rollback) less the solver's; its target is judged over the whole suite (the sum outside over the sum of
totals), and shown per instance, where the command's fixed cost (about half a second of loading and
storing) cannot be under 10 % of an instance that is solved in milliseconds. The wall clock of the
process adds Django's start-up. Exits 1 when a target is missed. Results go into docs/benchmarks.md by hand.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _throwaway import ROOT, throwaway_database

JOBSHOP = ROOT / "bench" / "jobshop"
TIME_LIMITS = {"ft06": 5, "ft10": 120, **{f"la{n:02d}": 60 for n in range(1, 21)}}
OUTSIDE_SHARE = 0.10
SOLVER_SLACK = 1.01  # CP-SAT returns a few milliseconds after its time limit


def read_instance(path: Path) -> list[list[tuple[int, int]]]:
    """Per job, its (machine, duration) pairs in operation order; read here, not by the command's parser."""
    numbers = [int(value) for value in path.read_text().split()]
    jobs_count, machines_count = numbers[0], numbers[1]
    pairs = numbers[2:]
    per_job = len(pairs) // jobs_count
    if len(pairs) != jobs_count * per_job or per_job != 2 * machines_count:
        raise ValueError(f"{path.name}: {jobs_count} jobs of {machines_count} operations expected")
    return [
        [(pairs[j * per_job + 2 * k], pairs[j * per_job + 2 * k + 1]) for k in range(machines_count)]
        for j in range(jobs_count)
    ]


def check(jobs: list[list[tuple[int, int]]], result: dict) -> list[str]:
    """Everything wrong with the command's schedule for the instance; empty when it is a valid schedule."""
    problems = []
    seen: dict[tuple[int, int], dict] = {}
    for op in result["operations"]:
        key = (op["job"], op["index"])
        if key in seen:
            problems.append(f"job {key[0]} operation {key[1]} scheduled twice")
        seen[key] = op
    wanted = {(j, k) for j, job in enumerate(jobs) for k in range(len(job))}
    problems += [f"job {j} operation {k} missing" for j, k in sorted(wanted - seen.keys())]
    problems += [f"job {j} operation {k} is not in the instance" for j, k in sorted(seen.keys() - wanted)]
    by_machine: dict[int, list[tuple[int, int, tuple[int, int]]]] = {}
    for j, job in enumerate(jobs):
        previous_end = 0
        for k, (machine, duration) in enumerate(job):
            op = seen.get((j, k))
            if op is None:
                continue
            if op["machine"] != machine:
                problems.append(f"job {j} operation {k} on machine {op['machine']}, not {machine}")
            if op["end"] - op["start"] != duration:
                problems.append(f"job {j} operation {k} lasts {op['end'] - op['start']}, not {duration}")
            if op["start"] < 0:
                problems.append(f"job {j} operation {k} starts at {op['start']}, before the schedule")
            if op["start"] < previous_end:
                problems.append(f"job {j} operation {k} starts at {op['start']}, before operation {k - 1} ends")
            previous_end = op["end"]
            if duration:
                by_machine.setdefault(op["machine"], []).append((op["start"], op["end"], (j, k)))
    for machine, spans in by_machine.items():
        spans.sort()
        reach, holder = 0, None  # the furthest end so far, and whose it is
        for start, end, op in spans:
            if holder is not None and start < reach:
                problems.append(
                    f"machine {machine}: job {op[0]} operation {op[1]} overlaps job {holder[0]} operation {holder[1]}"
                )
            if end > reach:
                reach, holder = end, op
    latest = max((op["end"] for op in result["operations"]), default=0)
    if result["makespan"] != latest:
        problems.append(f"makespan {result['makespan']} reported, the latest end is {latest}")
    return problems


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run(name: str, limit: float, json_path: Path) -> tuple[float, int, int, str]:
    """(wall seconds, peak resident KiB, exit code, output tail) of `manage.py aps_bench` in its own process."""
    command = [_python(), "manage.py", "aps_bench", str(JOBSHOP / f"{name}.txt"), "--time-limit", str(limit)]
    command += ["--json", str(json_path)]
    with tempfile.TemporaryFile(mode="w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        tail = "".join(output.readlines()[-20:])
    return seconds, usage.ru_maxrss, process.returncode, tail


def machine() -> str:
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "?",
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"`nproc` = {os.cpu_count()}; {cpu}; PostgreSQL {postgres}; load average before the run {' '.join(load)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="instances to run, comma-separated (ft06,la01); default all of them")
    options = parser.parse_args()
    names = list(TIME_LIMITS) if not options.only else [name.strip() for name in options.only.split(",")]
    unknown = [name for name in names if name not in TIME_LIMITS]
    if unknown:
        parser.error(f"unknown instance(s) {', '.join(unknown)}; known: {', '.join(TIME_LIMITS)}")
    optima = json.loads((JOBSHOP / "optima.json").read_text())
    rows, failures = [], []
    with throwaway_database("takt_bench_aps"), tempfile.TemporaryDirectory(prefix="takt-aps-bench-") as tmp:
        about = machine()
        from django.db import connections

        connections.close_all()
        for name in names:
            limit = TIME_LIMITS[name]
            jobs = read_instance(JOBSHOP / f"{name}.txt")
            json_path = Path(tmp) / f"{name}.json"
            wall, peak_kib, code, tail = run(name, limit, json_path)
            if code != 0 or not json_path.exists():
                print(f"{name}: exit {code}\n{tail}")
                failures.append(f"{name} failed (exit {code})")
                continue
            result = json.loads(json_path.read_text())
            problems = check(jobs, result)
            solve, total = result["solve_seconds"], result["total_seconds"]
            outside = max(0.0, total - solve)
            misses = []
            if problems:
                misses.append(f"{len(problems)} schedule error(s): " + "; ".join(problems[:5]))
            if result["makespan"] != optima[name]:
                misses.append(f"makespan {result['makespan']}, the optimum is {optima[name]}")
            if solve > limit * SOLVER_SLACK:
                misses.append(f"solver {solve:.2f} s over {limit} s")
            failures += [f"{name}: {miss}" for miss in misses]
            row = {
                "name": name,
                "size": f"{len(jobs)} x {len(jobs[0])}",
                "optimum": optima[name],
                "makespan": result["makespan"],
                "status": result["status"],
                "limit": limit,
                "solve": solve,
                "total": total,
                "outside": outside,
                "wall": wall,
                "peak": peak_kib / 1024,
                "phases": result.get("phases", {}),
                "ok": not misses,
            }
            rows.append(row)
            print(
                f"{name}: makespan {row['makespan']} ({row['status']}; optimum {row['optimum']}), "
                f"solver {solve:.3f} s, total {total:.3f} s, outside {outside:.3f} s ({outside / total:.0%}), "
                f"wall {wall:.1f} s, "
                f"peak {row['peak']:.0f} MiB, {'checked' if not problems else 'INVALID'}; phases {row['phases']}",
                flush=True,
            )
    if not rows:
        print("FAIL: " + "; ".join(failures))
        return 1
    solve_sum = sum(row["solve"] for row in rows)
    total_sum = sum(row["total"] for row in rows)
    outside_sum = sum(row["outside"] for row in rows)
    wall_sum = sum(row["wall"] for row in rows)
    suite_share = outside_sum / total_sum
    if suite_share >= OUTSIDE_SHARE:
        failures.append(f"time outside the solver {suite_share:.1%} of the suite's total, not under 10 %")
    print(f"\n--- for docs/benchmarks.md ---\n\n{about}\n")
    print("| instance | jobs x machines | optimum | makespan | status | limit | solver | command ", end="")
    print("| outside the solver | wall | target |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        share = row["outside"] / row["total"]
        print(
            f"| {row['name']} | {row['size']} | {row['optimum']} | {row['makespan']} | {row['status']} "
            f"| {row['limit']} s | {row['solve']:.2f} s | {row['total']:.2f} s | {row['outside']:.2f} s ({share:.0%}) "
            f"| {row['wall']:.1f} s | {'PASS' if row['ok'] else 'FAIL'} |"
        )
    print(
        f"| **all {len(rows)}** | | | | | | {solve_sum:.1f} s | {total_sum:.1f} s | {outside_sum:.1f} s "
        f"(**{suite_share:.1%}**) | {wall_sum:.0f} s | {'PASS' if suite_share < OUTSIDE_SHARE else 'FAIL'} |"
    )
    over = [row["name"] for row in rows if row["outside"] / row["total"] >= OUTSIDE_SHARE]
    phases = {key: sum(row["phases"].get(key, 0) for row in rows) / len(rows) for key in rows[0]["phases"]}
    print(
        f"\nPer instance, the time outside the solver is 10 % or more on {len(over)} of {len(rows)} "
        f"({', '.join(over) or 'none'}); the command's phases on average: "
        + ", ".join(f"{key} {value:.3f} s" for key, value in phases.items())
        + f" (the solver's {solve_sum / len(rows):.3f} s is inside `solve`)."
    )
    print(
        f"Django's start-up and exit, the wall clock less the command's total: {wall_sum - total_sum:.0f} s in all.\n"
    )
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    print(
        f"OK: every instance at its optimum within its limit, {suite_share:.1%} of the suite's time outside the solver"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
