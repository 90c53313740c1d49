"""The purchasing dashboard's figures, read from the monthly supplier scorecards (srm.services.scorecards makes
them): every supplier's card of the latest month scored, and the averages of each month across suppliers.
Two queries each, whatever the number of suppliers and months."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Max, Q, QuerySet

from core.dashboards import last_months
from srm.models import Scorecard, ScorecardRating


def latest_month_scorecards() -> QuerySet[Scorecard]:
    """The scorecards of the latest month any supplier was scored in, worst score first."""
    latest = Scorecard.objects.filter(score__isnull=False).aggregate(month=Max("period_start"))["month"]
    return (
        Scorecard.objects.filter(period_start=latest, score__isnull=False)
        .select_related("supplier")
        .order_by("score", "supplier__code")
    )


@dataclass(frozen=True)
class ScorecardMonth:
    month: datetime.date
    suppliers: int
    score: Decimal | None  # the average of the suppliers' scores
    on_time_pct: Decimal | None
    warned: int  # suppliers rated warning or blocked


def scorecard_months(*, today: datetime.date, months: int = 12) -> list[ScorecardMonth]:
    """Per month of the last `months` (today's included): how many suppliers were scored, their average score
    and on-time delivery, and how many were rated warning or blocked. One query."""
    firsts = last_months(today, months)
    rows = {
        row["period_start"]: row
        for row in Scorecard.objects.filter(period_start__gte=firsts[0], score__isnull=False)
        .values("period_start")
        .annotate(
            suppliers=Count("pk"),
            score=Avg("score"),
            on_time=Avg("on_time_pct"),
            warned=Count("pk", filter=Q(rating__in=(ScorecardRating.WARN, ScorecardRating.BLOCK))),
        )
        .order_by()
    }

    def rounded(value: Decimal | None) -> Decimal | None:
        return None if value is None else Decimal(value).quantize(Decimal("0.1"))

    return [
        ScorecardMonth(
            month=first,
            suppliers=rows[first]["suppliers"] if first in rows else 0,
            score=rounded(rows[first]["score"]) if first in rows else None,
            on_time_pct=rounded(rows[first]["on_time"]) if first in rows else None,
            warned=rows[first]["warned"] if first in rows else 0,
        )
        for first in firsts
    ]
