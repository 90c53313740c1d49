"""A Celery worker killed in the middle of an MRP run: the previous plan stays, the run is marked failed, and
neither a redelivery of its message nor the next run duplicates anything (docs/operations.md, "Faults")."""

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

from aps.choices import PlannedOrderState
from aps.models import MrpRun, PlannedOrder
from aps.services.firming import planned_orders_firm
from aps.services.mrp import mrp_run, mrp_run_start
from aps.tasks import mrp_run_task
from config.celery import app as celery_app
from core.choices import TaskRunStatus
from core.models import TaskRun
from core.services import progress
from core.services.backup import Database
from core.tasks import fail_stale_task_runs
from tests.aps.conftest import TODAY, day
from tests.conftest import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]  # the worker sees committed rows


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


def plan_rows() -> list[tuple]:
    return list(
        PlannedOrder.objects.order_by("pk").values_list("pk", "run_id", "item_id", "quantity", "due_date", "state")
    )


def pool_processes(worker: subprocess.Popen) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()]


def mrp_messages_received(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "Task aps.tasks.mrp_run[" in line and "received" in line]


@pytest.mark.parametrize("killed", ["worker", "pool process"])
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
    # foreign-key check then waits for this row lock: the worker is killed there, deterministically, with
    # the old plan deleted and the new one being written in its transaction.
    holder = side_connection()
    with holder.cursor() as cursor:
        cursor.execute("SELECT 1 FROM erp_purchaseorder WHERE id = %s FOR UPDATE", [purchase.pk])
        cursor.execute("SELECT pg_backend_pid()")
        holder_pid = cursor.fetchone()[0]
    observer = side_connection()
    observer.autocommit = True

    def blocked_run_backend() -> int | None:
        with observer.cursor() as cursor:
            cursor.execute(
                "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND l.granted"
                " AND l.relation = 'aps_plannedorder'::regclass AND l.mode = 'AccessExclusiveLock'"
                " WHERE %s = ANY(pg_blocking_pids(a.pid))",
                [holder_pid],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    worker = worker_process()
    run = mrp_run_start(today=TODAY)
    wait_for(lambda: blocked_run_backend() is not None, timeout=90)
    run_backend = blocked_run_backend()
    run.refresh_from_db()
    assert run.status == TaskRunStatus.RUNNING
    assert fail_stale_task_runs() == 0  # its worker is alive: the sweep leaves it alone

    if killed == "worker":  # pool and all, as the OOM killer or a lost host do
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    else:  # the process running the task only: the worker rejects its message back into the queue at once
        (pool_process,) = pool_processes(worker)
        os.kill(pool_process, signal.SIGKILL)
        wait_for(lambda: len(mrp_messages_received(tmp_path / "worker-0.log")) == 2)
    holder.rollback()  # the blocked statement goes on, finds its client gone, and the transaction rolls back

    def backend_gone() -> bool:
        with observer.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [run_backend])
            return cursor.fetchone()[0] == 0

    wait_for(backend_gone, timeout=60)

    assert plan_rows() == previous_plan
    assert list(MrpRun.objects.values_list("pk", flat=True)) == [previous_run.pk]
    if killed == "worker":
        run.refresh_from_db()
        assert run.status == TaskRunStatus.RUNNING  # until the sweep (Celery beat, every minute) finds it orphaned
        assert fail_stale_task_runs() == 1
    else:
        # The redelivered message fails the run itself once the dead process's lock is gone, else the sweep does.
        wait_for(lambda: fail_stale_task_runs() >= 0 and TaskRun.objects.get(pk=run.pk).is_finished)
    run.refresh_from_db()
    assert run.status == TaskRunStatus.FAILED and run.error == progress.WORKER_LOST

    # Its message, unacknowledged, is delivered again later (Redis's visibility timeout): it does nothing.
    mrp_run_task(str(run.pk))
    run.refresh_from_db()
    assert run.status == TaskRunStatus.FAILED and plan_rows() == previous_plan

    # The planner starts it again: one new plan, nothing doubled.
    again = mrp_run_start(today=TODAY)
    if killed == "worker":
        worker_process()
    else:
        assert worker.poll() is None  # the same worker, with a new pool process
    wait_for(lambda: TaskRun.objects.get(pk=again.pk).is_finished, timeout=90)
    again.refresh_from_db()
    assert again.status == TaskRunStatus.SUCCEEDED, again.error
    assert MrpRun.objects.count() == 2
    firmed = PlannedOrder.objects.filter(state=PlannedOrderState.FIRMED)
    assert list(firmed.values_list("pk", "purchase_order")) == [(previous_plan[0][0], purchase.pk)]
    planned = PlannedOrder.objects.filter(state=PlannedOrderState.PLANNED)
    assert planned.aggregate(total=Sum("quantity"))["total"] == Decimal(5)
