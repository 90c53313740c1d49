"""SRM's Celery tasks: each takes ids (or nothing) and calls one service."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from srm.services.contracts import contracts_expire
from srm.services.scorecards import previous_month, scorecards_compute
from srm.services.suppliers import certificates_expiry_warn


@shared_task(name="srm.tasks.certificates_expiry_warn")
def certificates_expiry_warn_task() -> int:
    """Daily: warn (a domain event each) of the certificates expiring soon; answers how many were warned of."""
    return len(certificates_expiry_warn(today=timezone.localdate(), days=settings.TAKT_CERTIFICATE_WARNING_DAYS))


@shared_task(name="srm.tasks.scorecards_monthly")
def scorecards_monthly() -> int:
    """Monthly: every active supplier's scorecard of last month (computed again, it replaces the one there);
    answers how many were computed."""
    return len(scorecards_compute(period=previous_month(timezone.localdate())))


@shared_task(name="srm.tasks.contracts_expire")
def contracts_expire_task() -> int:
    """Daily: the active contracts whose period has ended become expired; answers how many did."""
    return contracts_expire(on=timezone.localdate())
