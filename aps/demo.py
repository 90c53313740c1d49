"""SmartAppliance Co.'s plan: the forecast from its sales history, a quarter of master schedule filled
from it, and the MRP plan of today that planners open the demo to."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from aps.models import MasterScheduleEntry, MrpException, MrpRun, PlannedOrder
from aps.services.forecast import forecast_generate
from aps.services.mrp import mrp_run
from aps.services.schedule import schedule_from_forecast

SCHEDULE_WEEKS = 13


def load() -> dict[str, int]:
    today = timezone.localdate()
    planner = get_user_model().objects.filter(username="planner").first()
    forecast_items = forecast_generate(today=today)
    if not MasterScheduleEntry.objects.exists():
        # From next week on: this week's demand is what the orders already say.
        next_monday = today + datetime.timedelta(days=7 - today.weekday())
        schedule_from_forecast(first_week=next_monday, weeks=SCHEDULE_WEEKS, user=planner)
    if not MrpRun.objects.exists():  # loading again keeps the plan; planners run MRP themselves
        mrp_run(today=today, user=planner)
    return {
        "forecast items": forecast_items,
        "master schedule entries": MasterScheduleEntry.objects.count(),
        "planned orders": PlannedOrder.objects.count(),
        "MRP exceptions": MrpException.objects.count(),
    }
