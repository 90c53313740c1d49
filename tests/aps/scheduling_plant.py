"""A small shop for the scheduling tests: work centers with machines and calendars, items with families,
and firm production orders with their operations, built straight from rows."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from aps.scheduling.check import violations
from aps.services.scheduling import schedule_build, schedule_create, schedule_solve, stored_solution
from core.choices import Procurement, Weekday
from core.models import Item, ItemCategory, Machine, Shift, Unit, WorkCalendar, WorkCenter
from erp.choices import OperationState, ProductionOrderState
from erp.models import ProductionOperation, ProductionOrder

# Monday 2026-11-23 06:00 in the test time zone: the schedules' "now".
NOW = timezone.make_aware(datetime.datetime(2026, 11, 23, 6, 0))


def at(minutes: int) -> datetime.datetime:
    return NOW + datetime.timedelta(minutes=minutes)


class Shop:
    def __init__(self, warehouse):
        self.warehouse = warehouse
        self.numbers = itertools.count(1)

    def calendar(self, code="2SHIFT", start="06:00", end="22:00", days=range(5)) -> WorkCalendar:
        calendar = WorkCalendar.objects.create(code=code, name=code, timezone=timezone.get_current_timezone_name())
        for weekday in days:
            Shift.objects.create(
                calendar=calendar,
                name="Day",
                weekday=Weekday(weekday),
                start_time=datetime.time.fromisoformat(start),
                end_time=datetime.time.fromisoformat(end),
            )
        return calendar

    def work_center(self, code, machines=1, *, calendar=None, split=True) -> WorkCenter:
        center = WorkCenter.objects.create(code=code, name=code, calendar=calendar, split_across_breaks=split)
        for number in range(1, machines + 1):
            Machine.objects.create(work_center=center, code=f"{code}-{number}", name=f"{code} {number}")
        return center

    def item(self, code, family: str | None = None) -> Item:
        category = ItemCategory.objects.get_or_create(code=family, defaults={"name": family})[0] if family else None
        return Item.objects.create(
            code=code, name=code, uom=Unit.objects.get(code="ea"), procurement=Procurement.MAKE, category=category
        )

    def order(self, item, quantity, due: datetime.date, operations, *, state=ProductionOrderState.RELEASED):
        """operations: (work center, run minutes per unit[, setup minutes[, queue minutes]])."""
        order = ProductionOrder.objects.create(
            number=f"MO-{next(self.numbers)}",
            item=item,
            quantity=Decimal(quantity),
            start_date=NOW.date(),
            due_date=due,
            warehouse=self.warehouse,
            state=state,
        )
        for seq, (center, run, *more) in enumerate(operations, start=1):
            ProductionOperation.objects.create(
                order=order,
                seq=seq * 10,
                name=f"Op {seq * 10}",
                work_center=center,
                run_minutes_per_unit=Decimal(run),
                setup_minutes=Decimal(more[0] if more else 0),
                queue_minutes=Decimal(more[1] if len(more) > 1 else 0),
                state=OperationState.READY if seq == 1 else OperationState.PENDING,
            )
        return order

    def solve(self, **options):
        schedule = schedule_create(now=NOW, **options.pop("create", {}))
        for field, value in options.items():
            setattr(schedule, field, value)
        schedule.save()
        return schedule_solve(schedule=schedule)


def assert_valid(schedule):
    """The stored schedule passes the independent checker on every rule."""
    built = schedule_build(schedule)
    found = violations(built.problem, stored_solution(built))
    assert found == [], [v.message for v in found]
