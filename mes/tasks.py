from celery import shared_task

from mes.services.execution import runs_book_due
from mes.services.maintenance import maintenance_plans_run


@shared_task(name="mes.tasks.maintenance_plan")
def maintenance_plan() -> list[str]:
    """Celery beat's daily run: a planned maintenance order for every preventive plan that has come due."""
    return [order.number for order in maintenance_plans_run()]


@shared_task(name="mes.tasks.runs_book")
def runs_book() -> int:
    """Celery beat: what running machines counted and ran reaches ERP every few minutes, not every count."""
    return runs_book_due()
