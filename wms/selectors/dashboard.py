"""The warehouse dashboard's figures: the open work of each kind, and the goods that came in and went out per
week. Counted in the database: a fixed number of queries whatever the size of the warehouse."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core.dashboards import as_date, last_weeks
from wms.choices import MoveKind
from wms.models import (
    CountState,
    CycleCount,
    PickList,
    PickState,
    Receipt,
    ReceiptState,
    StockMove,
    StockTask,
    TaskPurpose,
    TaskState,
)


@dataclass(frozen=True)
class OpenWork:
    receipts: int  # expected or being received
    putaways: int  # open put-away tasks
    replenishments: int  # open replenishment tasks
    picks: int  # open pick lists
    to_ship: int  # picked, not shipped
    counts: int  # cycle counts being counted

    @property
    def total(self) -> int:
        return self.receipts + self.putaways + self.replenishments + self.picks + self.to_ship + self.counts


def open_work() -> OpenWork:
    """The warehouse's open documents and tasks. Four queries."""
    tasks = StockTask.objects.filter(state=TaskState.OPEN).aggregate(
        putaways=Count("pk", filter=Q(purpose=TaskPurpose.PUTAWAY)),
        replenishments=Count("pk", filter=Q(purpose=TaskPurpose.REPLENISHMENT)),
    )
    picks = PickList.objects.aggregate(
        open=Count("pk", filter=Q(state=PickState.OPEN)), picked=Count("pk", filter=Q(state=PickState.PICKED))
    )
    return OpenWork(
        receipts=Receipt.objects.filter(state__in=(ReceiptState.EXPECTED, ReceiptState.RECEIVING)).count(),
        putaways=tasks["putaways"],
        replenishments=tasks["replenishments"],
        picks=picks["open"],
        to_ship=picks["picked"],
        counts=CycleCount.objects.filter(state=CountState.OPEN).count(),
    )


# The moves that cross the warehouse's walls, as the week's traffic reads them.
TRAFFIC = (MoveKind.RECEIPT, MoveKind.SHIPMENT, MoveKind.PRODUCTION, MoveKind.CONSUMPTION)


@dataclass
class MoveWeek:
    week: datetime.date
    moves: dict[str, int] = field(default_factory=dict)  # per move kind


def move_weeks(*, today: datetime.date, weeks: int = 8) -> list[MoveWeek]:
    """How many receipt, shipment, production and consumption moves each of the last `weeks` weeks had. One
    query."""
    mondays = last_weeks(today, weeks)
    start = timezone.make_aware(datetime.datetime.combine(mondays[0], datetime.time.min))
    result = {monday: MoveWeek(week=monday, moves=dict.fromkeys(TRAFFIC, 0)) for monday in mondays}
    rows = (
        StockMove.objects.filter(moved_at__gte=start, kind__in=TRAFFIC)
        .annotate(week=TruncWeek("moved_at"))
        .values("week", "kind")
        .annotate(moves=Count("pk"))
        .order_by()
    )
    for row in rows:
        week = result.get(as_date(row["week"]))
        if week is not None:  # a move dated in the future
            week.moves[row["kind"]] = row["moves"]
    return list(result.values())
