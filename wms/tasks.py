from celery import shared_task

from wms.models import Warehouse
from wms.services.replenishment import replenishment_plan


@shared_task(name="wms.tasks.plan_replenishment")
def plan_replenishment() -> int:
    """Every half hour: refill tasks for pick faces below their minimum, in every warehouse."""
    return sum(len(replenishment_plan(warehouse=warehouse)) for warehouse in Warehouse.objects.all())
