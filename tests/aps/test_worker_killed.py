"""A Celery worker killed in the middle of an MRP or a scheduling run: the previous plan or published schedule
stays, the run is marked failed, and neither a redelivery of its message nor the next run duplicates anything
(docs/operations.md, "Faults")."""

import datetime
import os
import signal
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Sum

from aps.choices import PlannedOrderState, ScheduleState
from aps.models import MrpRun, PlannedOrder, Schedule, ScheduleJob, ScheduleOperation
from aps.services.firming import planned_orders_firm
from aps.services.mrp import MRP_TASK, mrp_run, mrp_run_start
from aps.services.scheduling import SCHEDULE_TASK, schedule_create, schedule_publish, schedule_solve_start
from aps.tasks import mrp_run_task, schedule_solve_task
from config.celery import app as celery_app
from core.choices import TaskRunStatus
from core.models import TaskRun
from core.services import progress
from core.services.backup import Database
from core.tasks import fail_stale_task_runs
from tests.aps.conftest import TODAY, day
from tests.aps.scheduling_plant import NOW
from tests.conftest import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]  # the worker sees committed rows

KILLED = pytest.mark.parametrize("killed", ["worker", "pool process"])


@pytest.fixture
def worker_process(tmp_path):
    """A real worker in a process of its own (prefork pool), against this test's database and broker;
    started on demand, killed with SIGKILL by the test or stopped at the end."""
    celery_app.control.purge()
    processes = []

    def start() -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": Database.from_settings().url(),
            "REDIS_URL": settings.REDIS_URL,  # the test settings pick this test's Redis database from it
        }
        log = open(tmp_path / f"worker-{len(processes)}.log", "w")  # noqa: SIM115 (open while the worker runs)
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO"),
                *("--pool=prefork", "--concurrency=1", "--without-mingle", "--without-gossip"),
                f"--hostname=faults-{uuid.uuid4().hex[:8]}@%h",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool's children die with it
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()  # a warm shutdown: the pool finishes what it is on
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def side_connection():
    """psycopg2 connections to the test database, beside Django's; closed before the database is flushed."""
    opened = []

    def connect():
        opened.append(Database.from_settings().connect())
        return opened[-1]

    yield connect
    for connection in opened:
        connection.close()


class RowLock:
    """A row locked FOR UPDATE by a connection beside Django's: a run that writes it waits there, in the middle
    of its transaction, where the test kills its worker deterministically."""

    def __init__(self, connect, table: str, pk: int):
        self.holder = connect()
        with self.holder.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608 (a test's own name)
            cursor.execute("SELECT pg_backend_pid()")
            self.holder_pid = cursor.fetchone()[0]
        self.observer = connect()
        self.observer.autocommit = True

    def blocked_backend(self, *, holding_exclusive: str | None = None) -> int | None:
        """The backend waiting for the row; with `holding_exclusive`, only one that holds that table exclusively
        (what a run has emptied)."""
        with self.observer.cursor() as cursor:
            cursor.execute(
                "SELECT a.pid FROM pg_stat_activity a WHERE %(holder)s = ANY(pg_blocking_pids(a.pid))"
                " AND (%(table)s::regclass IS NULL OR EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid"
                " AND l.granted AND l.relation = %(table)s::regclass AND l.mode = 'AccessExclusiveLock'))",
                {"holder": self.holder_pid, "table": holding_exclusive},
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def release_after_kill(self, backend: int) -> None:
        """The blocked statement goes on, finds its client gone, and its transaction rolls back."""
        self.holder.rollback()

        def backend_gone() -> bool:
            with self.observer.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend])
                return cursor.fetchone()[0] == 0

        wait_for(backend_gone, timeout=60)


def pool_processes(worker: subprocess.Popen) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()]


def messages_received(log: Path, task_name: str) -> list[str]:
    return [line for line in log.read_text().splitlines() if f"Task {task_name}[" in line and "received" in line]


def kill(killed: str, worker: subprocess.Popen, log: Path, task_name: str) -> None:
    if killed == "worker":  # pool and all, as the OOM killer or a lost host do
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    else:  # the process running the task only: the worker rejects its message back into the queue at once
        (pool_process,) = pool_processes(worker)
        os.kill(pool_process, signal.SIGKILL)
        wait_for(lambda: len(messages_received(log, task_name)) == 2)


def assert_marked_failed(killed: str, run: TaskRun, redeliver) -> None:
    """By the sweep when the whole worker died, by the redelivered message (or the sweep) when only its pool
    process did; and a later redelivery (Redis's visibility timeout) does nothing."""
    if killed == "worker":
        run.refresh_from_db()
        assert run.status == TaskRunStatus.RUNNING  # until the sweep (Celery beat, every minute) finds it orphaned
        assert fail_stale_task_runs() == 1
    else:
        # The redelivered message fails the run itself once the dead process's lock is gone, else the sweep does.
        wait_for(lambda: fail_stale_task_runs() >= 0 and TaskRun.objects.get(pk=run.pk).is_finished)
    run.refresh_from_db()
    assert run.status == TaskRunStatus.FAILED and run.error == progress.WORKER_LOST
    redeliver(str(run.pk))
    run.refresh_from_db()
    assert run.status == TaskRunStatus.FAILED


def run_again(killed: str, worker: subprocess.Popen, worker_process, start) -> TaskRun:
    """The planner starts it again, on a new worker or on the same one (a new pool process): it succeeds."""
    again = start()
    if killed == "worker":
        worker_process()
    else:
        assert worker.poll() is None
    wait_for(lambda: TaskRun.objects.get(pk=again.pk).is_finished, timeout=90)
    again.refresh_from_db()
    assert again.status == TaskRunStatus.SUCCEEDED, again.error
    return again


def plan_rows() -> list[tuple]:
    return list(
        PlannedOrder.objects.order_by("pk").values_list("pk", "run_id", "item_id", "quantity", "due_date", "state")
    )


@KILLED
def test_a_worker_killed_mid_run_leaves_the_previous_plan_and_a_failed_run(
    killed, plant, worker_process, side_connection, tmp_path
):
    heater = plant.item("HE")
    plant.sale(heater, 3, day(2))
    previous_run = mrp_run(today=TODAY).run
    (purchase,) = planned_orders_firm(orders=PlannedOrder.objects.all())
    previous_plan = plan_rows()
    assert len(previous_plan) == 1
    plant.sale(heater, 5, day(9))  # the next plan would differ

    # A run puts the firmed planned orders back once it has emptied the plan tables; their purchase order's
    # foreign-key check then waits for this row lock: the worker is killed there, with the old plan deleted
    # and the new one being written in its transaction.
    lock = RowLock(side_connection, "erp_purchaseorder", purchase.pk)
    worker = worker_process()
    run = mrp_run_start(today=TODAY)
    wait_for(lambda: lock.blocked_backend(holding_exclusive="aps_plannedorder") is not None, timeout=90)
    run_backend = lock.blocked_backend()
    run.refresh_from_db()
    assert run.status == TaskRunStatus.RUNNING
    assert fail_stale_task_runs() == 0  # its worker is alive: the sweep leaves it alone

    kill(killed, worker, tmp_path / "worker-0.log", MRP_TASK)
    lock.release_after_kill(run_backend)

    assert plan_rows() == previous_plan
    assert list(MrpRun.objects.values_list("pk", flat=True)) == [previous_run.pk]
    assert_marked_failed(killed, run, mrp_run_task)
    assert plan_rows() == previous_plan

    # One new plan, nothing doubled.
    run_again(killed, worker, worker_process, lambda: mrp_run_start(today=TODAY))
    assert MrpRun.objects.count() == 2
    firmed = PlannedOrder.objects.filter(state=PlannedOrderState.FIRMED)
    assert list(firmed.values_list("pk", "purchase_order")) == [(previous_plan[0][0], purchase.pk)]
    planned = PlannedOrder.objects.filter(state=PlannedOrderState.PLANNED)
    assert planned.aggregate(total=Sum("quantity"))["total"] == Decimal(5)


def placements(schedule: Schedule) -> list[tuple]:
    return list(
        ScheduleOperation.objects.filter(job__schedule=schedule)
        .order_by("pk")
        .values_list("pk", "machine_id", "start", "end", "applied_setup_minutes")
    )


def test_a_worker_killed_mid_scheduling_run_leaves_the_published_schedule_and_a_failed_run(
    shop, worker_process, side_connection, tmp_path
):
    """As above for the finite-capacity schedule, its pool process killed (the whole worker: the MRP case)."""
    killed = "pool process"
    press = shop.work_center("PRESS", machines=2, calendar=shop.calendar())
    kettle = shop.item("KETTLE")
    for quantity, due in ((10, 2), (20, 3), (15, 4)):
        shop.order(kettle, quantity, NOW.date() + datetime.timedelta(days=due), [(press, "6", "30")])
    published = schedule_publish(schedule=shop.solve())
    published_placements = placements(published)
    assert len(published_placements) == 3 and all(row[2] for row in published_placements)
    shop.order(kettle, 5, NOW.date() + datetime.timedelta(days=5), [(press, "6", "30")])
    new = schedule_create(now=NOW)  # the published placements to start from, the new order's to be made
    jobs = list(ScheduleJob.objects.filter(schedule=new).values_list("pk", "production_order_id"))
    unsolved = placements(new)
    assert [start for _pk, _machine, start, _end, _setup in unsolved].count(None) == 1

    # Storing the solution writes the operations' placements, then each job's end: the first job's row lock
    # holds the run there, its placements written in its transaction, the publishing still to come.
    lock = RowLock(side_connection, ScheduleJob._meta.db_table, jobs[0][0])
    worker = worker_process()
    run = schedule_solve_start(schedule=new, publish=True)
    wait_for(lambda: lock.blocked_backend() is not None, timeout=90)
    run_backend = lock.blocked_backend()

    kill(killed, worker, tmp_path / "worker-0.log", SCHEDULE_TASK)
    lock.release_after_kill(run_backend)

    published.refresh_from_db()
    assert published.state == ScheduleState.PUBLISHED and placements(published) == published_placements
    assert placements(new) == unsolved  # the placements written were rolled back
    assert list(Schedule.objects.filter(state=ScheduleState.PUBLISHED)) == [published]
    assert_marked_failed(killed, run, schedule_solve_task)
    new.refresh_from_db()
    assert new.state == ScheduleState.SOLVING and placements(new) == unsolved

    # The planner solves it again: published, the old one superseded, every job and operation once.
    run_again(killed, worker, worker_process, lambda: schedule_solve_start(schedule=new, publish=True))
    new.refresh_from_db()
    published.refresh_from_db()
    assert (new.state, published.state) == (ScheduleState.PUBLISHED, ScheduleState.SUPERSEDED)
    assert list(ScheduleJob.objects.filter(schedule=new).values_list("pk", "production_order_id")) == jobs
    assert len(placements(new)) == 4 and all(start is not None for *_, start, _end, _setup in placements(new))
