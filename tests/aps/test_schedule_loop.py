"""The closed loop: the shop floor drifts from the published schedule, a new one is proposed by itself
and, when planners allow it, published."""

import datetime

import pytest
import time_machine

from aps.choices import MachineWindowKind, ScheduleState
from aps.models import MachineWindow, Schedule, ScheduleOperation, SchedulingSettings
from aps.selectors.scheduling import schedule_deviations
from aps.services.scheduling import SCHEDULE_TASK, reschedule_propose, schedule_publish
from aps.tasks import schedule_watch
from core.choices import TaskRunStatus
from core.models import TaskRun
from erp.choices import OperationState
from tests.aps.scheduling_plant import NOW, at
from tests.core.test_progress import finished


def test_a_late_operation_gets_a_new_schedule_published_by_a_real_worker(celery_worker, shop):
    lathe = shop.work_center("LATHE")
    order = shop.order(shop.item("PIN"), 1, NOW.date() + datetime.timedelta(days=2), [(lathe, 60), (lathe, 30)])
    settings = SchedulingSettings.load()
    settings.auto_publish = True
    settings.save()
    with time_machine.travel(NOW, tick=False):
        published = schedule_publish(schedule=shop.solve())
    assert ScheduleOperation.objects.get(job__schedule=published, seq=10).start == NOW

    with time_machine.travel(at(20), tick=False):
        assert schedule_watch() == "on plan"  # 20 minutes is within the tolerance
    with time_machine.travel(at(45), tick=False):
        assert schedule_watch().startswith("proposed schedule")
    run = finished(TaskRun.objects.get(task_name=SCHEDULE_TASK), timeout=60)
    assert run.status == TaskRunStatus.SUCCEEDED, run.error

    proposal = Schedule.objects.get(state=ScheduleState.PUBLISHED)
    assert proposal.pk != published.pk and "MO-1 op 10 on LATHE-1 has not started" in proposal.reason
    first = ScheduleOperation.objects.get(job__schedule=proposal, operation__order=order, seq=10)
    assert first.start >= at(45)  # nothing planned in the past any more
    with time_machine.travel(at(50), tick=False):
        assert schedule_watch() == "on plan"  # the drift is answered already


@pytest.mark.django_db
def test_a_machine_taken_down_and_scrap_are_deviations_and_a_proposal_waits_for_publishing(shop):
    press = shop.work_center("PRESS")
    order = shop.order(shop.item("LID"), 4, NOW.date() + datetime.timedelta(days=2), [(press, 30)])
    with time_machine.travel(NOW, tick=False):
        schedule_publish(schedule=shop.solve())
    with time_machine.travel(at(5), tick=False):
        MachineWindow.objects.create(
            machine=press.machines.get(), kind=MachineWindowKind.DOWN, start=at(10), end=at(200), reason="Hydraulics"
        )
        operation = order.operations.get()
        operation.state, operation.scrap_qty = OperationState.IN_PROGRESS, 1
        operation.save()
        found = schedule_deviations(now=at(6))
    assert found == [
        "PRESS-1 is down from 2026-11-23 06:10 to 2026-11-23 09:20 over 1 planned operations.",
        "MO-1 op 10 on PRESS-1 reported scrap: the order needs more work.",
    ]
    proposal = reschedule_propose(reason=" ".join(found))
    assert proposal.state == ScheduleState.DRAFT and proposal.task_run.params["publish"] is False
    assert reschedule_propose(reason="again") is None  # one run at a time
