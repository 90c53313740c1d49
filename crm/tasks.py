import datetime

from celery import shared_task
from django.utils import timezone

from crm.services.cases import sla_breaches_flag as breaches_flag
from crm.services.quotes import quotes_expire as expire


@shared_task(name="crm.tasks.sla_breaches_flag")
def sla_breaches_flag() -> list[str]:
    """Celery beat, every quarter hour: flag the service cases that newly breached a target (each breach once)
    and publish it; returns "<case>:<target>" of each."""
    return [f"{case.number}:{target}" for case, target in breaches_flag()]


@shared_task(name="crm.tasks.quotes_expire")
def quotes_expire(today: str | None = None) -> int:
    """Celery beat, daily: sent quotes whose validity has ended expire; returns how many did."""
    return expire(today=datetime.date.fromisoformat(today) if today else timezone.localdate())
