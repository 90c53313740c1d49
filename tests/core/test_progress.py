import time

import pytest
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop
from kombu.exceptions import OperationalError

from aps.services.mrp import MRP_TASK, mrp_run
from core import events
from core.choices import TaskRunStatus
from core.models import DomainEvent, TaskRun
from core.roles import Role
from core.services import progress
from core.services.progress import task_run_execute, task_run_start


@shared_task(name="tests.count_to")
def count_to(run_id):
    def work(run, report):
        total = run.params["n"]
        for done in range(1, total + 1):
            report(done * 100 // total, f"{done} of {total}")
        if run.params.get("fail"):
            raise ValueError("the plan has a cycle: A > B > A")
        return {"counted": total}

    task_run_execute(run_id=run_id, work=work)


def finished(run: TaskRun, timeout: float = 20.0) -> TaskRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run still {run.status} after {timeout}s")


@pytest.mark.celery
def test_a_run_reports_progress_and_its_result_through_a_real_worker(celery_worker, make_user):
    user = make_user(Role.PLANNER)
    run = finished(task_run_start(task_name="tests.count_to", title="Count", params={"n": 4}, user=user))

    assert run.status == TaskRunStatus.SUCCEEDED
    assert run.percent == 100 and run.result == {"counted": 4}
    assert run.started_at <= run.finished_at and run.created_by == user
    event = DomainEvent.objects.get(name=events.TASK_RUN_FINISHED, aggregate_id=str(run.pk))
    assert event.payload["status"] == "succeeded"


@pytest.mark.celery
def test_a_failing_run_is_marked_failed_with_its_reason(celery_worker):
    run = finished(task_run_start(task_name="tests.count_to", title="Count", params={"n": 2, "fail": True}))
    assert run.status == TaskRunStatus.FAILED
    assert run.error == "the plan has a cycle: A > B > A"
    assert run.result is None


@pytest.mark.django_db
def test_a_redelivered_run_whose_worker_died_is_failed_not_run_twice():
    run = TaskRun.objects.create(task_name="tests.count_to", title="Count", params={"n": 1})
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRunStatus.RUNNING, percent=40)

    task_run_execute(run_id=run.pk, work=lambda run, report: pytest.fail("must not run again"))

    run.refresh_from_db()
    assert run.status == TaskRunStatus.FAILED and run.error == progress.WORKER_LOST and run.percent == 40


@pytest.mark.django_db
def test_an_unreachable_queue_fails_the_run_with_a_clear_message(monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(progress.current_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        run = task_run_start(task_name="tests.count_to", title="Count", params={"n": 1})
    run.refresh_from_db()
    assert run.status == TaskRunStatus.FAILED and run.error == progress.QUEUE_UNAVAILABLE


@pytest.mark.django_db
def test_the_progress_partial_polls_until_the_run_finishes(client_as, api_as):
    run = TaskRun.objects.create(task_name="tests.count_to", title="Count", status=TaskRunStatus.RUNNING, percent=30)
    client = client_as(Role.PLANNER)
    url = reverse("core:taskrun_progress", args=[run.pk])

    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'hx-trigger="every 1s"' in response.content and b"30%" in response.content

    # A result named "items" (MRP's, the cost roll-up's) is shown as such, not taken for dict.items.
    result = {"items": 34, "planned_orders": 11}
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRunStatus.SUCCEEDED, percent=100, result=result)
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # htmx stops polling
    assert b"hx-trigger" not in response.content
    assert b'<code>items</code></dt><dd class="col-sm-9 mb-1">34</dd>' in response.content

    page = client.get(run.get_absolute_url())
    assert page.status_code == 200 and b"run-progress" in page.content
    # The heading is the run's title: its status would go stale while the bar moves on.
    assert b"<title>Count \xc2\xb7" in page.content and b"(Running)" not in page.content

    status = api_as(Role.PLANNER).get(f"/api/v1/core/task-runs/{run.pk}/")
    assert status.status_code == 200
    assert status.json()["status"] == "succeeded" and status.json()["percent"] == 100


@pytest.mark.django_db
def test_runs_whose_worker_died_are_failed_by_the_sweep_and_live_ones_left_alone():
    from django.db import connections

    from core.tasks import fail_stale_task_runs

    orphaned = TaskRun.objects.create(task_name="t", title="Stuck", status=TaskRunStatus.RUNNING)
    live = TaskRun.objects.create(task_name="t", title="Working", status=TaskRunStatus.RUNNING)
    worker = connections.create_connection("default")  # the live run's worker holds its run's lock
    with worker.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [progress.RUN_LOCK_CLASS, str(live.pk)])
        assert fail_stale_task_runs() == 1
    worker.close()
    orphaned.refresh_from_db()
    live.refresh_from_db()
    assert orphaned.status == TaskRunStatus.FAILED and orphaned.error == progress.WORKER_LOST
    assert live.status == TaskRunStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_progress_reported_inside_the_jobs_own_transaction_is_written_outside_it():
    run = TaskRun.objects.create(task_name="t", title="Import", status=TaskRunStatus.RUNNING)

    with pytest.raises(RuntimeError), transaction.atomic():
        progress.task_run_report(run_id=run.pk, percent=40, message="Importing %(file)s", params={"file": "boms.csv"})
        raise RuntimeError("the job's writes roll back")

    run.refresh_from_db()
    assert (run.percent, run.message, run.message_params) == (40, "Importing %(file)s", {"file": "boms.csv"})


@pytest.mark.django_db
def test_a_runs_texts_are_stored_untranslated_and_shown_in_the_readers_language(client_as, api_as):
    """MRP writes its progress on the worker; a planner reading in Chinese sees it in Chinese, one reading in
    English in English, and a run written before texts were kept untranslated reads as it was stored."""
    reports = []
    mrp_run(progress=lambda *report: reports.append(report))
    percent, message, params = reports[-1]
    assert (message, params) == ("Indexing %(orders)s planned orders.", {"orders": 0})
    run = TaskRun.objects.create(
        task_name=MRP_TASK, title=gettext_noop("MRP run"), status=TaskRunStatus.RUNNING, percent=percent,
        message=message, message_params=params,
    )  # fmt: skip
    old = TaskRun.objects.create(task_name="t", title="Nightly import", status=TaskRunStatus.FAILED, message="Failed")
    TaskRun.objects.filter(pk=old.pk).update(error=progress.WORKER_LOST)

    client = client_as(Role.PLANNER)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(run.get_absolute_url()).content.decode()
    assert "正在索引 0 个计划订单。" in page and "<title>物料需求计划运行" in page
    old_page = client.get(old.get_absolute_url()).content.decode()
    assert "失败" in old_page and "Nightly import" in old_page and "运行此任务的工作进程在完成前停止" in old_page

    api = api_as(Role.PLANNER)
    chinese = api.get(f"/api/v1/core/task-runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-Hans").json()
    assert (chinese["title"], chinese["message"]) == ("物料需求计划运行", "正在索引 0 个计划订单。")
    english = api.get(f"/api/v1/core/task-runs/{run.pk}/").json()
    assert (english["title"], english["message"]) == ("MRP run", "Indexing 0 planned orders.")
