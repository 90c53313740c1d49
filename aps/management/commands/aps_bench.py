"""Schedule a job-shop benchmark instance through the planners' own scheduling service.

    python manage.py aps_bench bench/jobshop/ft10.txt --time-limit 120 --json /tmp/ft10.json

The instance (OR-Library format: `jobs machines`, then per job `machine duration` pairs in operation
order) becomes scratch data in the real model: one work center and one machine per instance machine (no
calendar), one item and released production order per job, durations in minutes. The schedule minimises
the makespan; everything made is rolled back at the end, so it is not audited either.

The JSON has the makespan, the solver's status and seconds, the command's own seconds (from reading the
file to the rollback; Django's start-up is not in them), where those went (`phases`: loading the scratch
plant, `schedule_create`, `schedule_solve` with the solver inside it, reading the answer back) and
every operation's machine, start and end in minutes (bench/aps_bench.py checks them on its own).
"""

import json
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from auditlog.context import disable_auditlog
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from aps.models import Schedule, ScheduleOperation
from aps.services.scheduling import schedule_create, schedule_solve
from core.choices import Procurement
from core.models import Item, Machine, Unit, WorkCenter
from erp.choices import OperationState, ProductionOrderState
from erp.models import ProductionOperation, ProductionOrder
from wms.models import Warehouse


@dataclass(frozen=True)
class Instance:
    machines: int
    jobs: list[list[tuple[int, int]]]  # per job, (machine, minutes) in operation order


def read_instance(path: Path) -> Instance:
    try:
        rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}", returncode=2) from exc
    try:
        job_count, machine_count = (int(value) for value in rows[0])
        jobs = []
        for number, row in enumerate(rows[1 : 1 + job_count], start=1):
            values = [int(value) for value in row]
            if len(values) % 2 or not values:
                raise ValueError(f"job {number}: machine and duration must come in pairs")
            pairs = list(zip(values[::2], values[1::2], strict=True))
            if any(not 0 <= machine < machine_count or minutes < 0 for machine, minutes in pairs):
                raise ValueError(f"job {number}: a machine outside 0..{machine_count - 1} or a negative duration")
            jobs.append(pairs)
        if len(jobs) != job_count:
            raise ValueError(f"{job_count} jobs announced, {len(jobs)} given")
    except (ValueError, IndexError) as exc:
        raise CommandError(f"{path}: not an OR-Library job-shop instance ({exc})", returncode=2) from exc
    return Instance(machine_count, jobs)


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Schedule an OR-Library job-shop instance with the scheduling service and report the makespan."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--time-limit", type=float, default=60.0, help="Seconds for the solver (default 60).")
        parser.add_argument("--json", metavar="OUT", help="Write the result to OUT as JSON.")

    def handle(self, *args, **options):
        began = time.monotonic()
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit: give a number of seconds above zero", returncode=2)
        instance = read_instance(options["file"])
        # Scratch data, rolled back: no audit entries for it (they would only cost inserts).
        try:
            with disable_auditlog(), transaction.atomic():
                result = self._run(instance, options["time_limit"], began)
                raise _Rollback
        except _Rollback:
            pass
        result["total_seconds"] = round(time.monotonic() - began, 3)
        result["phases"]["rollback"] = round(max(0.0, result["total_seconds"] - sum(result["phases"].values())), 3)
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(result, indent=1))
        self.stdout.write(
            f"{options['file'].name}: makespan {result['makespan']} ({result['status']}), "
            f"solver {result['solve_seconds']} s, total {result['total_seconds']} s"
        )

    def _run(self, instance: Instance, time_limit: float, began: float) -> dict:
        tag = f"BENCH-{uuid.uuid4().hex[:8]}"
        warehouse = Warehouse.objects.create(code=tag, name=tag)
        # Rows in bulk, and only what scheduling reads: work centers need no site or area.
        centers = WorkCenter.objects.bulk_create(
            WorkCenter(code=f"{tag}-M{number}", name=f"Machine {number}") for number in range(instance.machines)
        )
        machines = Machine.objects.bulk_create(
            Machine(work_center=center, code=center.code, name=center.name) for center in centers
        )
        machine_number = {machine.pk: number for number, machine in enumerate(machines)}
        unit = Unit.objects.get(code="ea")
        today = timezone.localdate()
        items = Item.objects.bulk_create(
            Item(code=f"{tag}-J{job}", name=f"Job {job}", uom=unit, procurement=Procurement.MAKE)
            for job in range(len(instance.jobs))
        )
        orders = ProductionOrder.objects.bulk_create(
            ProductionOrder(
                number=item.code,
                item=item,
                quantity=Decimal(1),
                start_date=today,
                due_date=today,
                warehouse=warehouse,
                state=ProductionOrderState.RELEASED,
            )
            for item in items
        )
        ProductionOperation.objects.bulk_create(
            ProductionOperation(
                order=order,
                seq=index + 1,
                work_center_id=centers[machine].pk,
                run_minutes_per_unit=Decimal(minutes),
                state=OperationState.READY if index == 0 else OperationState.PENDING,
            )
            for order, operations in zip(orders, instance.jobs, strict=True)
            for index, (machine, minutes) in enumerate(operations)
        )
        loaded = time.monotonic()
        schedule = schedule_create(orders=orders, full_replan=True, name=tag)
        settings = {
            "time_limit_seconds": max(1, round(time_limit)),
            "tardiness_weight": 0,
            "makespan_weight": 1,
            "setup_weight": 0,
            "horizon_days": max(1, -(-sum(m for job in instance.jobs for _, m in job) // 1440)),
        }
        Schedule.objects.filter(pk=schedule.pk).update(**settings)
        for name, value in settings.items():
            setattr(schedule, name, value)
        created = time.monotonic()
        schedule = schedule_solve(schedule=schedule)
        solved = time.monotonic()
        job_of = {order.pk: number for number, order in enumerate(orders)}
        origin = schedule.horizon_start
        operations = [
            {
                "job": job_of[order_id],
                "index": seq - 1,
                "machine": machine_number[machine_id],
                "start": int((start - origin).total_seconds() // 60),
                "end": int((end - origin).total_seconds() // 60),
            }
            for order_id, seq, machine_id, start, end in ScheduleOperation.objects.filter(
                job__schedule=schedule
            ).values_list("job__production_order_id", "seq", "machine_id", "start", "end")
        ]
        operations.sort(key=lambda op: (op["job"], op["index"]))
        done = time.monotonic()
        return {
            "makespan": schedule.makespan_minutes,
            "status": schedule.solver_status,
            "solve_seconds": float(schedule.solve_seconds),
            "total_seconds": round(done - began, 3),
            "phases": {
                "load": round(loaded - began, 3),  # the file, and the scratch plant
                "create": round(created - loaded, 3),  # schedule_create
                "solve": round(solved - created, 3),  # schedule_solve: build, the solver, store
                "read": round(done - solved, 3),  # the answer, read back
            },
            "operations": operations,
        }
