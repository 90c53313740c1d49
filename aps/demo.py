"""SmartAppliance Co.'s plan: the forecast from its sales history, a quarter of master schedule filled
from it, the orders the planner released this morning, and the MRP plan and machine schedule of today that
planners open the demo to."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from aps.choices import MachineWindowKind
from aps.models import (
    Changeover,
    MachineWindow,
    MasterScheduleEntry,
    MrpException,
    MrpRun,
    PlannedOrder,
    Schedule,
    ScheduleOperation,
)
from aps.services.forecast import forecast_generate
from aps.services.mrp import mrp_run
from aps.services.schedule import schedule_from_forecast
from aps.services.scheduling import schedule_create, schedule_publish, schedule_solve
from core.models import Item, ItemCategory, Machine, WorkCenter
from erp.services.production import production_order_create, production_order_firm, production_order_release
from wms.models import Warehouse

SCHEDULE_WEEKS = 13
# Changing a line over from one product family to another (minutes): molds and assembly fixtures.
CHANGEOVERS = {"MOLD": (15, 45), "ASSY": (10, 30)}  # same family, another family
DEMO_SOLVE_SECONDS = 2  # a few dozen operations: enough to settle, and demo_load runs in tests
# Released this morning, due in two days: a campaign of the molded parts and control boards of the coming
# weeks' kettles, most of a day's work on the molding machines and the SMT line (MES's demo starts them: their
# PLCs count them).
RELEASED_THIS_MORNING = [("KT-HANDLE", 1200), ("KT-LID", 1200), ("PCB-KT", 400)]


def load() -> dict[str, int]:
    today = timezone.localdate()
    planner = get_user_model().objects.filter(username="planner").first()
    forecast_items = forecast_generate(today=today)
    if not MasterScheduleEntry.objects.exists():
        # From next week on: this week's demand is what the orders already say.
        next_monday = today + datetime.timedelta(days=7 - today.weekday())
        schedule_from_forecast(first_week=next_monday, weeks=SCHEDULE_WEEKS, user=planner)
    if not MrpRun.objects.exists():  # loading again keeps the plan; planners run MRP themselves
        _released_this_morning(planner, today)
        mrp_run(today=today, user=planner)
    _changeovers()
    if not Schedule.objects.exists():
        _schedule(planner)
    return {
        "forecast items": forecast_items,
        "master schedule entries": MasterScheduleEntry.objects.count(),
        "planned orders": PlannedOrder.objects.count(),
        "MRP exceptions": MrpException.objects.count(),
        "scheduled operations": ScheduleOperation.objects.filter(job__schedule__state="published").count(),
    }


def _released_this_morning(planner, today: datetime.date) -> None:
    """The planner's morning: the parts of next week's kettles released to the molding machines and SMT line."""
    warehouse = Warehouse.objects.get(code="MAIN")
    items = Item.objects.in_bulk([code for code, _quantity in RELEASED_THIS_MORNING], field_name="code")
    for code, quantity in RELEASED_THIS_MORNING:
        order = production_order_create(
            item=items[code],
            quantity=Decimal(quantity),
            start_date=today,
            due_date=today + datetime.timedelta(days=2),
            warehouse=warehouse,
            user=planner,
        )
        production_order_release(order=production_order_firm(order=order, user=planner), user=planner)


def _changeovers() -> None:
    families = list(ItemCategory.objects.all())
    for code, (same, other) in CHANGEOVERS.items():
        work_center = WorkCenter.objects.get(code=code)
        for before in families:
            for after in families:
                Changeover.objects.update_or_create(
                    work_center=work_center,
                    from_family=before,
                    to_family=after,
                    defaults={"minutes": same if before == after else other},
                )


def _schedule(planner) -> None:
    """This week's plan on the machines, planned orders included, with next Wednesday's press service."""
    now = timezone.now()
    wednesday = timezone.localdate(now) + datetime.timedelta(days=(2 - timezone.localdate(now).weekday()) % 7 or 7)
    service = timezone.make_aware(datetime.datetime.combine(wednesday, datetime.time(6)))
    MachineWindow.objects.get_or_create(
        machine=Machine.objects.get(code="PRESS-2"),
        kind=MachineWindowKind.DOWN,
        start=service,
        end=service + datetime.timedelta(hours=4),
        defaults={"reason": "Preventive maintenance"},
    )
    schedule = schedule_create(user=planner, include_planned=True, reason="Demo: this week's plan")
    schedule.time_limit_seconds = DEMO_SOLVE_SECONDS
    schedule.save(update_fields=["time_limit_seconds"])
    schedule_publish(schedule=schedule_solve(schedule=schedule), user=planner)
