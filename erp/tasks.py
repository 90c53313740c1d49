from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError

from core.models import TaskRun
from core.services.progress import task_run_execute
from erp.models import CostVersion
from erp.selectors.costing import ROLL_UP_TASK
from erp.services.costing import Progress, cost_version_roll_up


@shared_task(name=ROLL_UP_TASK)
def cost_version_roll_up_task(run_id: str) -> None:
    """The background roll-up: takes the run's id and calls the service, reporting its progress."""

    def work(run: TaskRun, report: Progress) -> dict[str, Any]:
        version = CostVersion.objects.get(pk=run.params["version_id"])
        try:
            return cost_version_roll_up(version=version, progress=report).as_dict()
        except ValidationError as exc:
            # The run's error is shown to people: the reason, not the dict's repr.
            raise RuntimeError(" ".join(exc.messages)) from exc

    task_run_execute(run_id=run_id, work=work)
