"""MES benchmark (issue "MES"): a shift of machine events for 50 machines, then the supervisor board and the
OEE queries timed.

    .venv/bin/python bench/mes_bench.py              # about 2 minutes
    .venv/bin/python bench/mes_bench.py --runs 20    # more timed runs of each query

Target: "a shift of events for 50 machines (1 event per machine per second for 8 hours, bulk-inserted)
keeps the supervisor board and OEE queries under 200 ms". Runs on a throwaway database `takt_bench_mes`
(or TAKT_BENCH_DATABASE) on the configured server (DATABASE_URL's), dropped at the end.

The plant: 50 machines on 10 work centers in 2 areas, on a two-shift calendar (06:00-14:00, 14:00-22:00
UTC); one production order per machine with its operation running there, in a published schedule. The
early shift of Monday 2026-11-23 is generated in SQL, one ProductionEvent per machine and second
(1,440,000): a PLC count each second the machine runs (every 40th unit a reject), and while it stands a
downtime-start, a state heartbeat each second, and a downtime-end. Each machine has a 15-minute changeover at
06:00 and the 30-minute break at 10:00; a third of them a breakdown of 10 to 39 minutes, a third a wait
for material, and five are still broken down at 14:00. From the events, in SQL as well: the Downtime
rows (linked to their start and end events), the quarter-hour MachineCount roll-up (what counts_add keeps,
checked against the events' sums), the OperationRuns and the MachineStatus rows. A year of earlier
roll-up, downtime and runs comes before the shift, so the queries do not run on tables holding only it.

Then, each timed `--runs` times at 14:00 (median and max, in ms): the board selector (machine_board) and
its htmx partial page through the test client, and oee_report over the shift for all 50 machines (per
machine, per shift, per order), over the day per shift, over a week per day, and for one machine.
Exits 1 when a median or a max misses 200 ms. Results go into docs/benchmarks.md by hand.
"""

import argparse
import datetime
import statistics
import sys
import time
from decimal import Decimal

from _throwaway import throwaway_database

MACHINES, CENTERS = 50, 10
SHIFT_START = datetime.datetime(2026, 11, 23, 6, tzinfo=datetime.UTC)  # a Monday
SHIFT_SECONDS = 8 * 3600
SHIFT_END = SHIFT_START + datetime.timedelta(seconds=SHIFT_SECONDS)
HISTORY_DAYS = 365
IDEAL_MINUTES_PER_UNIT = Decimal("0.015")  # 0.9 s: a machine counting each second runs at 90 %
LIMIT_MS = 200

# (code, name, category, kind, counts against availability): the floor's reason codes.
REASONS = [
    ("CHG", "Changeover", "planned", "changeover", True),
    ("BRK", "Break", "planned", "break", False),
    ("BD", "Breakdown", "unplanned", "breakdown", True),
    ("NOMAT", "No material", "unplanned", "no_material", True),
]


def downtimes_of(index: int) -> list[tuple[str, int, int | None]]:
    """(reason, start second, end second or None: still down at 14:00) of machine `index` in the shift."""
    stops = [("CHG", 0, 15 * 60), ("BRK", 4 * 3600, 4 * 3600 + 30 * 60)]
    if index % 3 == 0:
        start = 2 * 3600 + (index * 7 % 60) * 60
        stops.append(("BD", start, start + (10 + index % 30) * 60))
    elif index % 3 == 1:
        start = 6 * 3600 + (index % 20) * 60
        stops.append(("NOMAT", start, start + 15 * 60))
    if index % 10 == 9:
        stops.append(("BD", 7 * 3600 + 30 * 60, None))
    return stops


def build_plant() -> dict:
    from aps.choices import ScheduleState
    from aps.models import Schedule, ScheduleJob, ScheduleOperation
    from core.models import Area, Company, Currency, Item, Machine, Shift, Site, Unit, WorkCalendar, WorkCenter
    from erp.choices import OperationState, ProductionOrderState
    from erp.models import ProductionOperation, ProductionOrder
    from mes.models import DowntimeReason
    from wms.models import Warehouse

    company = Company.objects.create(code="SAC", name="SmartAppliance Co.", currency=Currency.objects.get(code="CNY"))
    site = Site.objects.create(company=company, code="SZ", name="Shenzhen")
    areas = Area.objects.bulk_create([Area(site=site, code=f"HALL{n}", name=f"Hall {n}") for n in (1, 2)])
    calendar = WorkCalendar.objects.create(code="2SHIFT", name="Two shifts", timezone="UTC")
    Shift.objects.bulk_create(
        Shift(calendar=calendar, name=name, weekday=day, start_time=datetime.time(start), end_time=datetime.time(end))
        for day in range(5)
        for name, start, end in (("Early", 6, 14), ("Late", 14, 22))
    )
    centers = WorkCenter.objects.bulk_create(
        WorkCenter(area=areas[n % 2], code=f"WC{n:02d}", name=f"Work center {n}", calendar=calendar)
        for n in range(CENTERS)
    )
    machines = Machine.objects.bulk_create(
        Machine(work_center=centers[n % CENTERS], code=f"M{n:03d}", name=f"Machine {n}") for n in range(MACHINES)
    )
    item = Item.objects.create(code="KT-200", name="Kettle", uom=Unit.objects.get(code="ea"), procurement="make")
    warehouse = Warehouse.objects.create(code="PLANT", name="Plant")
    orders = ProductionOrder.objects.bulk_create(
        ProductionOrder(
            number=f"PO{n:05d}",
            item=item,
            quantity=Decimal(30_000),
            start_date=SHIFT_START.date(),
            due_date=SHIFT_START.date() + datetime.timedelta(days=1),
            warehouse=warehouse,
            state=ProductionOrderState.IN_PROGRESS,
            released_at=SHIFT_START - datetime.timedelta(days=1),
        )
        for n in range(MACHINES + 1)  # the last one for the history
    )
    operations = ProductionOperation.objects.bulk_create(
        ProductionOperation(
            order=order,
            seq=10,
            work_center=machine.work_center,
            run_minutes_per_unit=IDEAL_MINUTES_PER_UNIT,
            state=OperationState.IN_PROGRESS,
            machine=machine,
            started_at=SHIFT_START,
        )
        for order, machine in zip(orders, [*machines, machines[0]], strict=True)
    )
    reasons = {
        code: DowntimeReason.objects.create(
            code=code, name=name, category=category, kind=kind, counts_against_availability=counts
        )
        for code, name, category, kind, counts in REASONS
    }
    schedule = Schedule.objects.create(
        name="Week 48", state=ScheduleState.PUBLISHED, horizon_start=SHIFT_START, frozen_until=SHIFT_START
    )
    jobs = ScheduleJob.objects.bulk_create(
        ScheduleJob(
            schedule=schedule, reference=o.number, production_order=o, item=item, quantity=o.quantity, due=SHIFT_END
        )
        for o in orders[:MACHINES]
    )
    ScheduleOperation.objects.bulk_create(
        ScheduleOperation(
            job=job,
            operation=operation,
            seq=10,
            work_center=operation.work_center,
            run_minutes=450,
            machine=operation.machine,
            start=SHIFT_START,
            end=SHIFT_END + datetime.timedelta(minutes=index % 60 - 30),
        )
        for index, (job, operation) in enumerate(zip(jobs, operations, strict=False))
    )
    return {"machines": machines, "operations": operations, "reasons": reasons}


def insert_shift(plant: dict) -> None:
    """The shift's events, then the projections the services would have kept: downtimes, roll-up, runs, status."""
    from django.db import connection

    reasons = plant["reasons"]
    state_of = {"CHG": "setup", "BRK": "down", "BD": "down", "NOMAT": "down"}
    machine_rows = [(m.pk, op.pk) for m, op in zip(plant["machines"], plant["operations"], strict=False)]
    downtime_rows = [
        (machine.pk, reasons[code].pk, state_of[code], start, SHIFT_SECONDS * 2 if end is None else end)
        for index, machine in enumerate(plant["machines"])
        for code, start, end in downtimes_of(index)
    ]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_machine (machine_id bigint, operation_id bigint)")
        cursor.execute(
            "CREATE TEMP TABLE bench_downtime (machine_id bigint, reason_id bigint, state text, start_s int, end_s int)"
        )
        cursor.executemany("INSERT INTO bench_machine VALUES (%s, %s)", machine_rows)
        cursor.executemany("INSERT INTO bench_downtime VALUES (%s, %s, %s, %s, %s)", downtime_rows)
        cursor.execute(
            """
            INSERT INTO mes_productionevent (kind, at, recorded_at, source, machine_id, operation_id, good_qty,
                                             scrap_qty, downtime_reason_id, machine_state, note)
            SELECT CASE WHEN d.start_s = g.s THEN 'downtime_start' WHEN d.end_s = g.s THEN 'downtime_end'
                        WHEN d.machine_id IS NOT NULL THEN 'machine_state' ELSE 'count' END,
                   %(t0)s + make_interval(secs => g.s), %(t0)s + make_interval(secs => g.s), 'plc',
                   m.machine_id, m.operation_id,
                   CASE WHEN d.machine_id IS NULL AND g.s %% 40 <> 39 THEN 1 ELSE 0 END,
                   CASE WHEN d.machine_id IS NULL AND g.s %% 40 = 39 THEN 1 ELSE 0 END,
                   CASE WHEN d.start_s = g.s THEN d.reason_id END,
                   CASE WHEN d.machine_id IS NOT NULL AND d.end_s <> g.s THEN d.state ELSE '' END, ''
              FROM bench_machine m CROSS JOIN generate_series(0, %(seconds)s - 1) AS g(s)
              LEFT JOIN bench_downtime d ON d.machine_id = m.machine_id AND g.s BETWEEN d.start_s AND d.end_s
             ORDER BY g.s, m.machine_id
            """,
            {"t0": SHIFT_START, "seconds": SHIFT_SECONDS},
        )
        cursor.execute(
            """
            INSERT INTO mes_downtime (machine_id, reason_id, operation_id, start, "end", start_event_id, end_event_id)
            SELECT s.machine_id, s.downtime_reason_id, s.operation_id, s.at, e.at, s.id, e.id
              FROM mes_productionevent s
              JOIN bench_downtime d ON d.machine_id = s.machine_id AND s.at = %(t0)s + make_interval(secs => d.start_s)
              LEFT JOIN mes_productionevent e ON e.machine_id = s.machine_id AND e.kind = 'downtime_end'
                   AND e.at = %(t0)s + make_interval(secs => d.end_s)
             WHERE s.kind = 'downtime_start'
            """,
            {"t0": SHIFT_START},
        )
        # The roll-up counts_add keeps, per machine, operation and quarter hour, in one statement.
        cursor.execute(
            """
            INSERT INTO mes_machinecount (machine_id, operation_id, bucket, good_qty, scrap_qty)
            SELECT machine_id, operation_id, date_bin('15 minutes', at, TIMESTAMPTZ '2000-01-01 00:00+00'),
                   SUM(good_qty), SUM(scrap_qty)
              FROM mes_productionevent WHERE kind = 'count' GROUP BY 1, 2, 3
            """
        )
        # Runs: from the end of the changeover; paused by a breakdown still open, else running since the last stop.
        cursor.execute(
            """
            INSERT INTO mes_operationrun (created_at, updated_at, operation_id, machine_id, state, started_at,
                                          running_since, run_seconds, good_qty, scrap_qty, booked_good, booked_scrap,
                                          booked_seconds, booked_at)
            SELECT %(end)s, %(end)s, m.operation_id, m.machine_id,
                   CASE WHEN open_down.machine_id IS NULL THEN 'running' ELSE 'paused' END,
                   %(t0)s + interval '15 minutes',
                   CASE WHEN open_down.machine_id IS NULL THEN last_stop.at END,
                   0, c.good, c.scrap, 0, 0, 0, %(t0)s
              FROM bench_machine m
              JOIN (SELECT machine_id, SUM(good_qty) AS good, SUM(scrap_qty) AS scrap FROM mes_machinecount
                     GROUP BY machine_id) c ON c.machine_id = m.machine_id
              JOIN (SELECT machine_id, MAX(COALESCE("end", start)) AS at FROM mes_downtime GROUP BY machine_id)
                   last_stop ON last_stop.machine_id = m.machine_id
              LEFT JOIN mes_downtime open_down ON open_down.machine_id = m.machine_id AND open_down."end" IS NULL
            """,
            {"t0": SHIFT_START, "end": SHIFT_END},
        )
        cursor.execute(
            """
            INSERT INTO mes_machinestatus (machine_id, state, since, reason_id, operation_id, last_event_id)
            SELECT m.machine_id, CASE WHEN d.machine_id IS NULL THEN 'running' ELSE 'down' END,
                   COALESCE(d.start, last_stop.at), d.reason_id, m.operation_id, last_event.id
              FROM bench_machine m
              JOIN (SELECT machine_id, MAX("end") AS at FROM mes_downtime GROUP BY machine_id) last_stop
                   ON last_stop.machine_id = m.machine_id
              LEFT JOIN mes_downtime d ON d.machine_id = m.machine_id AND d."end" IS NULL
              JOIN LATERAL (SELECT id FROM mes_productionevent e WHERE e.machine_id = m.machine_id
                             ORDER BY e.at DESC, e.id DESC LIMIT 1) last_event ON true
            """
        )


def insert_history(plant: dict) -> None:
    """The year before the shift: each machine's quarter hours on both shifts, a changeover and the break a
    day, and a done run a day, on an operation of its own."""
    from django.db import connection

    reasons = plant["reasons"]
    history_operation = plant["operations"][-1]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO mes_machinecount (machine_id, operation_id, bucket, good_qty, scrap_qty)
            SELECT m.machine_id, %(operation)s, day + interval '6 hours' + q * interval '15 minutes', 880, 20
              FROM bench_machine m,
                   generate_series(%(t0)s::date - %(days)s, %(t0)s::date - 1, interval '1 day') AS day,
                   generate_series(0, 63) AS q
            """,
            {"operation": history_operation.pk, "t0": SHIFT_START, "days": HISTORY_DAYS},
        )
        for code, start, minutes in (("CHG", "6 hours", 15), ("BRK", "10 hours", 30), ("BD", "17 hours", 25)):
            # Stops need an event at their start: a few rows per machine and day, as the services write them.
            cursor.execute(
                """
                WITH starts AS (
                    INSERT INTO mes_productionevent (kind, at, recorded_at, source, machine_id, good_qty, scrap_qty,
                                                     downtime_reason_id, machine_state, note)
                    SELECT 'downtime_start', day + %(start)s::interval, day + %(start)s::interval, 'plc', m.machine_id,
                           0, 0, %(reason)s, '', ''
                      FROM bench_machine m,
                           generate_series(%(t0)s::date - %(days)s, %(t0)s::date - 1, interval '1 day') AS day
                    RETURNING id, machine_id, at
                )
                INSERT INTO mes_downtime (machine_id, reason_id, start, "end", start_event_id)
                SELECT machine_id, %(reason)s, at, at + make_interval(mins => %(minutes)s), id FROM starts
                """,
                {
                    "start": start,
                    "reason": reasons[code].pk,
                    "minutes": minutes,
                    "t0": SHIFT_START,
                    "days": HISTORY_DAYS,
                },
            )
        cursor.execute(
            """
            INSERT INTO mes_operationrun (created_at, updated_at, operation_id, machine_id, state, started_at,
                                          finished_at, run_seconds, good_qty, scrap_qty, booked_good, booked_scrap,
                                          booked_seconds, booked_at)
            SELECT day, day, %(operation)s, m.machine_id, 'done', day + interval '6 hours', day + interval '22 hours',
                   50400, 56320, 1280, 56320, 1280, 50400, day + interval '22 hours'
              FROM bench_machine m,
                   generate_series(%(t0)s::date - %(days)s, %(t0)s::date - 1, interval '1 day') AS day
            """,
            {"operation": history_operation.pk, "t0": SHIFT_START, "days": HISTORY_DAYS},
        )
        cursor.execute("ANALYZE")


def check_roll_up() -> dict:
    """The roll-up holds every counted unit of the shift, and the rows are as the services would have them."""
    from django.db.models import Count, Q, Sum

    from mes.models import Downtime, MachineCount, ProductionEvent

    events = ProductionEvent.objects.filter(at__gte=SHIFT_START).aggregate(
        total=Count("id"), counts=Count("id", filter=Q(kind="count")), good=Sum("good_qty"), scrap=Sum("scrap_qty")
    )
    shift = MachineCount.objects.filter(bucket__gte=SHIFT_START)
    rolled = shift.aggregate(good=Sum("good_qty"), scrap=Sum("scrap_qty"))
    assert events["total"] == MACHINES * SHIFT_SECONDS, events
    assert (rolled["good"], rolled["scrap"]) == (events["good"], events["scrap"]), (rolled, events)
    return {
        "events": events["total"],
        "counts": events["counts"],
        "good": events["good"],
        "scrap": events["scrap"],
        "shift downtimes": Downtime.objects.filter(start__gte=SHIFT_START).count(),
        "open downtimes": Downtime.objects.filter(end__isnull=True).count(),
        "roll-up rows": MachineCount.objects.count(),
        "downtime rows": Downtime.objects.count(),
    }


def timed(action, runs: int) -> list[float]:
    action()  # warm: the first call pays for imports and plan caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def query_count(action) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def measures() -> list[tuple[str, object]]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from core.models import Machine
    from mes.selectors.board import machine_board
    from mes.selectors.oee import OeeGrouping, oee_report

    everyone = Machine.objects.filter(active=True)
    one = Machine.objects.filter(code="M000")
    day = SHIFT_START.replace(hour=0)
    admin = get_user_model().objects.create_superuser("bench")  # no password: signed in by force_login
    client = Client()
    client.force_login(admin)

    def board_page():
        answer = client.get("/mes/board/", headers={"HX-Request": "true"})
        assert answer.status_code == 200 and answer.content.count(b'class="board-tile ') == MACHINES

    def shift(grouping):
        return lambda: oee_report(start=SHIFT_START, end=SHIFT_END, machines=everyone, grouping=grouping, now=SHIFT_END)

    return [
        ("board selector, 50 machines (machine_board)", lambda: machine_board(now=SHIFT_END)),
        ("board page, htmx partial (client, signed in)", board_page),
        ("OEE shift, 50 machines, per machine", shift(OeeGrouping.MACHINE)),
        ("OEE shift, 50 machines, per shift", shift(OeeGrouping.SHIFT)),
        ("OEE shift, 50 machines, per order", shift(OeeGrouping.ORDER)),
        (
            "OEE day so far, 50 machines, per shift",
            lambda: oee_report(start=day, end=SHIFT_END, machines=everyone, grouping=OeeGrouping.SHIFT, now=SHIFT_END),
        ),
        (
            "OEE 7 days, 50 machines, per day",
            lambda: oee_report(
                start=day - datetime.timedelta(days=6),
                end=SHIFT_END,
                machines=everyone,
                grouping=OeeGrouping.DAY,
                now=SHIFT_END,
            ),
        ),
        (
            "OEE shift, one machine",
            lambda: oee_report(start=SHIFT_START, end=SHIFT_END, machines=one, now=SHIFT_END),
        ),
    ]


def profile(action) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(action)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def explain(action) -> None:
    """EXPLAIN ANALYZE of every query the action makes (Django records them with their parameters bound)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        action()
    with connection.cursor() as cursor:
        for query in queries:
            if query["sql"].startswith("SELECT"):
                cursor.execute(f"EXPLAIN ANALYZE {query['sql']}")
                print("\n".join(f"    {row[0]}" for row in cursor.fetchall()), end="\n\n")


def run(runs: int, profiled: str | None, explained: str | None) -> int:
    with throwaway_database("takt_bench_mes"):
        import time_machine
        from django.db import transaction

        started = time.perf_counter()
        with transaction.atomic():
            plant = build_plant()
            insert_shift(plant)
        shift_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with transaction.atomic():
            insert_history(plant)
        history_seconds = time.perf_counter() - started
        figures = check_roll_up()
        print(f"shift inserted in {shift_seconds:.0f} s, history in {history_seconds:.0f} s: {figures}")

        from mes.selectors.oee import oee_report

        total = oee_report(start=SHIFT_START, end=SHIFT_END, now=SHIFT_END).total
        print(
            f"the shift, 50 machines together: availability {total.availability}, performance {total.performance}, "
            f"quality {total.quality}, OEE {total.oee}"
        )

        missed = []
        # The board page reads the clock; the shift ends at 14:00.
        with time_machine.travel(SHIFT_END, tick=False):
            print(f"\n{'query':<48} {'queries':>7} {'median':>9} {'max':>9}   ({runs} runs, ms)")
            for label, action in measures():
                samples = timed(action, runs)
                median, worst = statistics.median(samples), max(samples)
                print(f"{label:<48} {query_count(action):>7} {median:>9.1f} {worst:>9.1f}")
                if worst >= LIMIT_MS:
                    missed.append(label)
                if profiled and profiled in label:
                    profile(action)
                if explained and explained in label:
                    explain(action)
    if missed:
        print(f"MISSED {LIMIT_MS} ms: {', '.join(missed)}")
        return 1
    print(f"OK: every query under {LIMIT_MS} ms")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each query (default 10)")
    parser.add_argument("--profile", metavar="TEXT", help="a cProfile of the queries whose label holds TEXT")
    parser.add_argument("--explain", metavar="TEXT", help="the query plans of the queries whose label holds TEXT")
    options = parser.parse_args()
    return run(options.runs, options.profile, options.explain)


if __name__ == "__main__":
    sys.exit(main())
