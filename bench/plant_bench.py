"""Plant scheduling benchmark (issue "APS part 2"): about 5,000 operations on 60 machines, through the real data model.

    .venv/bin/python bench/plant_bench.py               # the benchmark (about 3 minutes)
    .venv/bin/python bench/plant_bench.py --scale 0.2   # a fifth of the orders (and of the load), for a quick try
    .venv/bin/python bench/plant_bench.py --keep        # keep the database afterwards

Targets: "a plant-sized schedule (about 5,000 operations, 60 machines) is feasible in under 120 s with a
100 s time limit, the solving process stays under 2 GB, and the independent checker finds nothing wrong
with the stored schedule."

Runs on a throwaway database `takt_bench_plant` (or TAKT_BENCH_DATABASE) on the configured server
(DATABASE_URL's), dropped at the end unless --keep. The plant is generated with a fixed seed and written
with bulk_create (no audit entry per row):

- 20 work centers of 3 machines; 17 on a two-shift calendar (Monday to Friday, 06:00-14:00 and
  14:00-22:00), 6 of them keeping an operation inside one shift (`split_across_breaks` off), the
  other 11 splitting it across the night and the weekend; 3 running around the clock (no calendar).
- Every third work center (7) has a changeover matrix between the 4 item families (ItemCategory):
  10-15 min within a family, 30-90 min from one to another (aps.Changeover).
- 240 made items, a quarter in each family; released production orders of 3 to 8 operations on
  different work centers, each with a quantity, run minutes per unit, setup (15-60 min), queue
  (0-4 h) and move minutes, until about 5,000 operations. The run minutes are scaled so that every
  work center is loaded to 80-90 % of its machines' capacity over the next 4 weeks; each order is due
  on a weekday over those 4 weeks, but no sooner than about one and a half times its own work in
  16-hour days.
- 30 orders are in progress: their first operations done, one operation part-made (at most one per
  machine of its work center), the rest pending.

Then, in a process of its own (this script with --solve), as a planner's "schedule now" would:
`schedule_create(now=Monday 2026-11-23 06:00 UTC, full_replan=True)`, its time limit set to 100 s,
`schedule_solve`. Timed there (the solve: build, solver, store; and the create); the process's peak
memory is its maximum resident set (wait4's rusage, as RUSAGE_CHILDREN reports it). The stored schedule
is then read back here (`schedule_build`, `stored_solution`) and checked rule by rule by
aps.scheduling.check.violations; the dispatching rule (aps.scheduling.greedy.dispatch) is run on the
same Problem for comparison, and the stored schedule compared with it to say which one the solver kept.
Exits 1 when a target is missed. Results go into docs/benchmarks.md by hand.
"""

import argparse
import datetime
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import _throwaway
from _throwaway import ROOT, throwaway_database

LIMIT_SECONDS, LIMIT_MB = 120, 2048
TIME_LIMIT = 100  # the schedule's own time limit for the solver
SEED = 20261123
NOW = datetime.datetime(2026, 11, 23, 6, 0, tzinfo=datetime.UTC)  # a Monday, the start of the early shift
HORIZON_WEEKS = 4
CENTERS, MACHINES_PER_CENTER = 20, 3
AROUND_THE_CLOCK = {17, 18, 19}  # work centers without a calendar
NO_SPLIT = {1, 4, 7, 10, 13, 16}  # two-shift work centers that keep an operation inside one shift
CHANGEOVERS = {0, 3, 6, 9, 12, 15, 18}  # work centers with a changeover matrix
FAMILIES, ITEMS = 4, 240
OPERATIONS = 5_000
IN_PROGRESS = 30
LOAD = (0.80, 0.90)  # of each work center's capacity over the horizon
SHIFT_MINUTES_PER_WEEK = 5 * 16 * 60


def capacity(center: int) -> int:
    """Minutes of machine time a work center has over the horizon."""
    per_machine = HORIZON_WEEKS * (7 * 1440 if center in AROUND_THE_CLOCK else SHIFT_MINUTES_PER_WEEK)
    return per_machine * MACHINES_PER_CENTER


def _weekday(day: datetime.date) -> datetime.date:
    return day if day.weekday() < 5 else day + datetime.timedelta(days=7 - day.weekday())


# --- The plant ------------------------------------------------------------------------------------------------------


def generate(rng: random.Random, scale: float, started_per_center: int) -> dict[str, int]:
    """Generate the plant with bulk_create; the row counts."""
    from aps.models import Changeover
    from core.choices import Procurement
    from core.models import Item, ItemCategory, Machine, Shift, Unit, WorkCalendar, WorkCenter
    from erp.choices import OperationState, ProductionOrderState
    from erp.models import ProductionOperation, ProductionOrder
    from wms.models import Warehouse

    today, time_of = NOW.date(), datetime.time
    warehouse = Warehouse.objects.bulk_create([Warehouse(code="PLANT", name="Plant")])[0]
    calendar = WorkCalendar.objects.bulk_create([WorkCalendar(code="2SHIFT", name="Two shifts", timezone="UTC")])[0]
    Shift.objects.bulk_create(
        Shift(calendar=calendar, name=name, weekday=day, start_time=start, end_time=end)
        for day in range(5)
        for name, start, end in (("Early", time_of(6), time_of(14)), ("Late", time_of(14), time_of(22)))
    )
    centers = WorkCenter.objects.bulk_create(
        WorkCenter(
            code=f"WC{n:02d}",
            name=f"Work center {n}",
            calendar=None if n in AROUND_THE_CLOCK else calendar,
            split_across_breaks=n not in NO_SPLIT,
        )
        for n in range(CENTERS)
    )
    machines = Machine.objects.bulk_create(
        Machine(work_center=center, code=f"{center.code}-M{m}", name=f"{center.name}, machine {m}")
        for center in centers
        for m in range(1, MACHINES_PER_CENTER + 1)
    )
    families = ItemCategory.objects.bulk_create(
        ItemCategory(code=f"FAM{f}", name=f"Family {f}") for f in range(1, FAMILIES + 1)
    )
    changeovers = Changeover.objects.bulk_create(
        Changeover(
            work_center=centers[n],
            from_family=a,
            to_family=b,
            minutes=rng.choice([10, 15]) if a == b else rng.choice([30, 45, 60, 75, 90]),
        )
        for n in sorted(CHANGEOVERS)
        for a in families
        for b in families
    )
    unit = Unit.objects.get(code="ea")
    items = Item.objects.bulk_create(
        Item(
            code=f"P{n:04d}",
            name=f"Part {n}",
            uom=unit,
            procurement=Procurement.MAKE,
            category=families[n % FAMILIES],
        )
        for n in range(ITEMS)
    )

    # The orders' routes and raw work first; run minutes are scaled per work center to its load afterwards.
    wanted = round(OPERATIONS * scale)
    orders: list[dict] = []
    count = 0
    while count < wanted:
        route = rng.sample(range(CENTERS), rng.randint(3, 8))  # different work centers
        quantity = rng.choice([10, 20, 25, 40, 50, 80, 100, 120, 150, 200, 250, 400, 500])
        operations = [
            {
                "center": center,
                "setup": rng.choice([15, 20, 30, 45, 60]),
                "raw": rng.uniform(0.3, 1.7),  # relative run time; scaled below
                "queue": rng.choice([0, 0, 30, 60, 120, 240]),
                "move": rng.choice([0, 10, 15, 30]),
            }
            for center in route
        ]
        orders.append({"item": rng.choice(items), "quantity": quantity, "operations": operations})
        count += len(route)
    load = {n: rng.uniform(*LOAD) * capacity(n) * scale for n in range(CENTERS)}
    raw = dict.fromkeys(range(CENTERS), 0.0)
    setups = dict.fromkeys(range(CENTERS), 0)
    for order in orders:
        for op in order["operations"]:
            raw[op["center"]] += op["raw"]
            setups[op["center"]] += op["setup"]
    factor = {n: max(0.0, load[n] - setups[n]) / raw[n] if raw[n] else 0 for n in range(CENTERS)}
    for order in orders:
        work = 0
        for op in order["operations"]:
            minutes = op["raw"] * factor[op["center"]]
            op["per_unit"] = Decimal(minutes / order["quantity"]).quantize(Decimal("0.0001"))
            work += op["setup"] + minutes + op["queue"] + op["move"]
        # Due on a weekday over the horizon, not sooner than 1.5 times its own work in 16-hour days.
        soonest = math.ceil(1.5 * work / 960) + 1
        days = max(soonest, rng.randint(1, HORIZON_WEEKS * 7 - 1))
        order["due"] = _weekday(today + datetime.timedelta(days=days))

    # 30 orders in progress (at most `started_per_center` on a work center: by default one per machine).
    started_on = dict.fromkeys(range(CENTERS), 0)
    started = {}
    for number in rng.sample(range(len(orders)), len(orders)):
        if len(started) >= round(IN_PROGRESS * scale):
            break
        operations = orders[number]["operations"]
        index = rng.randrange(len(operations))
        center = operations[index]["center"]
        if started_on[center] < started_per_center:
            started_on[center] += 1
            started[number] = index

    production_orders = ProductionOrder.objects.bulk_create(
        ProductionOrder(
            number=f"PO{n + 1:05d}",
            item=order["item"],
            quantity=Decimal(order["quantity"]),
            start_date=today - datetime.timedelta(days=rng.randint(1, 10) if n in started else 0),
            due_date=order["due"],
            warehouse=warehouse,
            state=ProductionOrderState.IN_PROGRESS if n in started else ProductionOrderState.RELEASED,
            released_at=NOW - datetime.timedelta(days=rng.randint(1, 14)),
        )
        for n, order in enumerate(orders)
    )
    rows = []
    for n, (order, production_order) in enumerate(zip(orders, production_orders, strict=True)):
        running = started.get(n)
        for index, op in enumerate(order["operations"]):
            state, good, started_at = OperationState.PENDING, Decimal(0), None
            if running is None and index == 0:
                state = OperationState.READY
            elif running is not None and index < running:
                state, good = OperationState.DONE, production_order.quantity
                started_at = NOW - datetime.timedelta(days=running - index + 1)
            elif running is not None and index == running:
                state = OperationState.IN_PROGRESS
                good = (production_order.quantity * Decimal(rng.randint(10, 90)) / 100).quantize(Decimal(1))
                started_at = NOW - datetime.timedelta(hours=rng.randint(2, 30))
            rows.append(
                ProductionOperation(
                    order=production_order,
                    seq=10 * (index + 1),
                    name=f"Op {10 * (index + 1)}",
                    work_center=centers[op["center"]],
                    setup_minutes=Decimal(op["setup"]),
                    run_minutes_per_unit=op["per_unit"],
                    queue_minutes=Decimal(op["queue"]),
                    move_minutes=Decimal(op["move"]),
                    state=state,
                    good_qty=good,
                    started_at=started_at,
                )
            )
    ProductionOperation.objects.bulk_create(rows, batch_size=2000)
    open_operations = sum(1 for row in rows if row.state != OperationState.DONE)
    return {
        "work centers": len(centers),
        "machines": len(machines),
        "changeover rows": len(changeovers),
        "items": len(items),
        "production orders": len(production_orders),
        "in progress": len(started),
        "operations": len(rows),
        "open operations": open_operations,
    }


def build(scale: float, started_per_center: int) -> dict[str, int]:
    from django.db import connection, transaction

    with transaction.atomic():
        counts = generate(random.Random(SEED), scale, started_per_center)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return counts


# --- The solve, in its own process ------------------------------------------------------------------------------


def solve_child(json_path: Path, time_limit: int) -> None:
    """`schedule_create` and `schedule_solve` as a planner's "schedule now" would; times to `json_path`."""
    import django

    django.setup()
    from aps.scheduling import solver
    from aps.services.scheduling import schedule_create, schedule_solve

    # Window by window, the solver keeps the dispatching rule's schedule when it is better overall: record
    # both sides of that comparison (the rule's KPIs, then the windows'), to say what the windows gained.
    compared, kpis = [], solver.kpis

    def recording(problem, solution):
        found = kpis(problem, solution)
        compared.append(
            {
                "tardy": found.tardy_jobs,
                "weighted_tardiness": found.weighted_tardiness,
                "makespan": found.makespan,
                "setup": found.setup_minutes,
                "objective": found.objective(problem),
            }
        )
        return found

    solver.kpis = recording
    began = time.monotonic()
    schedule = schedule_create(now=NOW, full_replan=True, name="Plant benchmark")
    schedule.time_limit_seconds = time_limit
    schedule.save(update_fields=["time_limit_seconds", "updated_at"])
    created = time.monotonic()
    schedule = schedule_solve(schedule=schedule)
    solved = time.monotonic()
    result = {"schedule": schedule.pk, "create_seconds": created - began, "solve_call_seconds": solved - created}
    if len(compared) == 2:
        result["rule_in_solver"], result["windows"] = compared
    json_path.write_text(json.dumps(result))


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_solve(json_path: Path, time_limit: int) -> tuple[float, int, int, str]:
    """(wall seconds, peak resident KiB, exit code, output tail) of the solving process."""
    command = [_python(), str(Path(__file__).resolve()), "--solve", str(json_path), "--time-limit", str(time_limit)]
    with tempfile.TemporaryFile(mode="w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        tail = "".join(output.readlines()[-30:])
    return seconds, usage.ru_maxrss, process.returncode, tail


def examine(schedule_pk: int) -> dict:
    """The stored schedule checked rule by rule, and the dispatching rule on the same Problem."""
    from aps.models import Schedule
    from aps.scheduling.check import violations
    from aps.scheduling.greedy import dispatch
    from aps.scheduling.problem import kpis
    from aps.services.scheduling import schedule_build, stored_solution

    schedule = Schedule.objects.get(pk=schedule_pk)
    built = schedule_build(schedule)
    problem = built.problem
    stored = stored_solution(built)
    found = violations(problem, stored)
    began = time.monotonic()
    rule = dispatch(problem)
    rule_seconds = time.monotonic() - began
    rule_found = violations(problem, rule)
    mine, theirs = kpis(problem, stored), kpis(problem, rule)
    kept_rule = stored.assignments == rule.assignments
    by_rule: dict[str, int] = {}
    for violation in found:
        by_rule[violation.rule] = by_rule.get(violation.rule, 0) + 1
    fixed = {task.key for task in problem.tasks if task.fixed is not None}
    return {
        "schedule": schedule,
        "tasks": len(problem.tasks),
        "fixed": sum(1 for task in problem.tasks if task.fixed is not None),
        "jobs": len(problem.jobs),
        "machines": len(problem.machines),
        "violations": found,
        "violations_by_rule": by_rule,
        "violations_of_fixed": sum(1 for violation in found if violation.task in fixed),
        "stored": mine,
        "stored_objective": mine.objective(problem),
        "rule": theirs,
        "rule_objective": theirs.objective(problem),
        "rule_seconds": rule_seconds,
        "rule_violations": len(rule_found),
        "winner": "the dispatching rule" if kept_rule else "CP-SAT windows",
        "kpis_match": (
            mine.weighted_tardiness,
            mine.tardy_jobs,
            mine.makespan,
            mine.setup_minutes,
        )
        == (schedule.weighted_tardiness, schedule.tardy_orders, schedule.makespan_minutes, schedule.setup_minutes),
    }


def _days(minutes: int) -> str:
    return f"{minutes:,} min ({minutes / 1440:.1f} days)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="a share of the orders and of the load (0.2)")
    parser.add_argument("--time-limit", type=int, default=TIME_LIMIT, help=f"the solver's (default {TIME_LIMIT} s)")
    parser.add_argument(
        "--started-per-center",
        type=int,
        default=MACHINES_PER_CENTER,
        help=f"operations in progress at most per work center (default {MACHINES_PER_CENTER}: one per machine)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--solve", metavar="JSON", type=Path, help=argparse.SUPPRESS)  # the child process
    options = parser.parse_args()
    if options.solve:
        solve_child(options.solve, options.time_limit)
        return 0

    with throwaway_database("takt_bench_plant"), tempfile.TemporaryDirectory(prefix="takt-plant-bench-") as tmp:
        database_url = os.environ["DATABASE_URL"]
        try:
            started = time.perf_counter()
            counts = build(options.scale, options.started_per_center)
            generated = time.perf_counter() - started
            print(f"generated in {generated:.1f} s (seed {SEED}, scale {options.scale:g}): ", end="")
            print(", ".join(f"{name} {count:,}" for name, count in counts.items()), flush=True)
            from django.db import connections

            connections.close_all()
            load = Path("/proc/loadavg").read_text().split()[:3]
            json_path = Path(tmp) / "solve.json"
            wall, peak_kib, code, tail = run_solve(json_path, options.time_limit)
            peak_mib = peak_kib / 1024
            print(f"solving process: exit {code}, wall {wall:.1f} s, peak {peak_mib:.0f} MiB", flush=True)
            if code != 0 or not json_path.exists():
                print(tail)
                print("FAIL: the solving process failed")
                return 1
            times = json.loads(json_path.read_text())
            found = examine(times["schedule"])
        finally:
            from django.db import connections

            connections.close_all()
            if options.keep:
                _throwaway._admin_sql = lambda url, statement: None
                print(f"kept: DATABASE_URL={database_url}")

    schedule = found["schedule"]
    mine, rule = found["stored"], found["rule"]
    solve_seconds = times["solve_call_seconds"]
    print(f"\n--- for docs/benchmarks.md ---\n\nload average before the solve: {' '.join(load)}\n")
    print(
        f"Problem: {found['tasks']:,} operations ({found['fixed']} started, fixed) of {found['jobs']:,} orders on "
        f"{found['machines']} machines; horizon {schedule.horizon_days} days.\n"
    )
    print("| measure | figure | target |\n|---|---|---|")
    print(f"| `schedule_create` (orders to schedule rows) | {times['create_seconds']:.1f} s | |")
    print(
        f"| `schedule_solve` (build, solver, store) | **{solve_seconds:.1f} s** (solver {schedule.solve_seconds} s, "
        f"the service's total {schedule.total_seconds} s) | < {LIMIT_SECONDS} s |"
    )
    outside = float(schedule.total_seconds) - float(schedule.solve_seconds)
    storing = solve_seconds - float(schedule.total_seconds)
    print(f"| of which building the Problem (before the solver) | {outside:.1f} s | |")
    print(f"| of which storing the answer and the KPIs (after the service's total) | {storing:.1f} s | |")
    print(f"| the solving process, wall (Django's start-up included) | {wall:.1f} s | |")
    print(f"| its peak memory | **{peak_mib:,.0f} MiB** | < {LIMIT_MB:,} MiB |")
    print(f"| solver status / decomposed | {schedule.solver_status} / {schedule.decomposed} | feasible |")
    print(f"| checker's violations on the stored schedule | **{len(found['violations'])}** | 0 |")
    print(f"| the stored schedule is | {found['winner']}'s | |")
    print()
    print("| KPI | stored schedule | dispatching rule |\n|---|---|---|")
    print(f"| tardy orders | {mine.tardy_jobs:,} | {rule.tardy_jobs:,} |")
    print(f"| weighted tardiness | {mine.weighted_tardiness:,} min | {rule.weighted_tardiness:,} min |")
    print(f"| makespan | {_days(mine.makespan)} | {_days(rule.makespan)} |")
    print(f"| setup | {mine.setup_minutes:,} min | {rule.setup_minutes:,} min |")
    print(f"| objective (the schedule's weights) | {found['stored_objective']:,} | {found['rule_objective']:,} |")
    print(f"| time | {schedule.solve_seconds} s | {found['rule_seconds']:.1f} s |")
    print(f"| checker's violations | {len(found['violations'])} | {found['rule_violations']} |")
    print()
    windows = times.get("windows")
    if windows:
        print(
            f"The CP-SAT windows' own schedule, before the solver compared it with the rule's: {windows['tardy']:,} "
            f"tardy orders, weighted tardiness {windows['weighted_tardiness']:,} min, makespan "
            f"{_days(windows['makespan'])}, setup {windows['setup']:,} min, objective {windows['objective']:,} "
            f"(the rule's there: {times['rule_in_solver']['objective']:,}).\n"
        )
    if not found["kpis_match"]:
        print("note: the KPIs stored on the schedule differ from the ones recomputed from its operations")
    if found["violations"]:
        print(
            f"violations by rule: {found['violations_by_rule']}; {found['violations_of_fixed']} of them of a started "
            "(fixed) operation; the first ones:"
        )
        for violation in found["violations"][:10]:
            print(f"    {violation.rule}: {violation.message}")
    failures = []
    if solve_seconds >= LIMIT_SECONDS:
        failures.append(f"the solve took {solve_seconds:.1f} s, not under {LIMIT_SECONDS} s")
    if peak_mib >= LIMIT_MB:
        failures.append(f"peak memory {peak_mib:.0f} MiB, not under {LIMIT_MB} MiB")
    if schedule.solver_status not in ("OPTIMAL", "FEASIBLE"):
        failures.append(f"solver status {schedule.solver_status}")
    if found["violations"]:
        failures.append(f"{len(found['violations'])} violation(s) on the stored schedule")
    if options.scale != 1:
        print(f"(scale {options.scale:g}: not the target's plant)")
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    print(f"OK: feasible in {solve_seconds:.1f} s, {peak_mib:.0f} MiB, no violation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
