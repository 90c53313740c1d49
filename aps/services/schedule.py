"""The master production schedule (MPS): how much of an item the plant plans per week (docs/planning.md).

A week is its Monday. A quantity of zero is kept as an explicit zero (the planner said "none this
week", which MRP must not mistake for "not planned yet"); removing the row is `schedule_entry_delete`.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aps.models import DemandForecast, DemandForecastPeriod, MasterScheduleEntry
from aps.selectors.forecast import month_start
from aps.selectors.mrp import MAX_WEEKS
from core.models import Item, Unit

WORKDAYS = 5  # Monday to Friday
ONE_WEEK = datetime.timedelta(days=7)


def _step(unit: Unit) -> Decimal:
    return Decimal(1).scaleb(-unit.decimals)


def _monday_errors(week_start: datetime.date, field: str) -> dict[str, ValidationError]:
    if week_start.weekday() != 0:
        return {
            field: ValidationError(
                _("A week is given by its Monday; %(day)s is a %(weekday)s.")
                % {"day": week_start.isoformat(), "weekday": week_start.strftime("%A")},
                code="not_monday",
            )
        }
    return {}


def _quantity_errors(item: Item, quantity: Decimal) -> dict[str, ValidationError]:
    if quantity < 0:
        return {"quantity": ValidationError(_("The quantity cannot be negative."), code="negative")}
    precision = item.precision_error(quantity, code="too_precise")
    return {} if precision is None else {"quantity": precision}


def schedule_entry_set(
    *, item: Item, week_start: datetime.date, quantity: Decimal, note: str = "", user=None
) -> MasterScheduleEntry:
    """Plan `quantity` of an active item in the week starting on Monday `week_start`: creates the week's
    entry or replaces its quantity and note. Zero is kept as an explicit zero."""
    quantity = Decimal(quantity)
    errors = {**_monday_errors(week_start, "week_start"), **_quantity_errors(item, quantity)}
    if not item.active:
        errors["item"] = ValidationError(
            _("%(item)s is inactive: it cannot be scheduled.") % {"item": item.code}, code="inactive"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = MasterScheduleEntry.objects.select_for_update().filter(
            item=item, week_start=week_start
        ).first() or MasterScheduleEntry(item=item, week_start=week_start)
        entry.quantity = quantity
        entry.note = note.strip()
        entry.updated_by = user if getattr(user, "is_authenticated", False) else None
        entry.full_clean(validate_unique=False, validate_constraints=False)
        entry.save()
    return entry


def schedule_entry_delete(*, entry: MasterScheduleEntry) -> None:
    """Take the week out of the schedule (nothing planned, as opposed to an explicit zero)."""
    with transaction.atomic():
        MasterScheduleEntry.objects.filter(pk=entry.pk).delete()


def month_weekdays(month: datetime.date) -> list[datetime.date]:
    """The working days (Monday to Friday) of a month."""
    days, day = [], month
    while day.month == month.month:
        if day.weekday() < WORKDAYS:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def spread_month(quantity: Decimal, month: datetime.date, unit: Unit) -> dict[datetime.date, Decimal]:
    """A month's quantity over the Mondays of the weeks its working days fall in, by working days, in
    whole steps of the unit (1 for discrete units) by largest remainder: the weeks add up to the month
    exactly. Equal remainders go to the earlier week."""
    step = _step(unit)
    total = int((Decimal(quantity) / step).to_integral_value(rounding=ROUND_HALF_UP))
    days: dict[datetime.date, int] = defaultdict(int)
    for day in month_weekdays(month):
        days[day - datetime.timedelta(days=day.weekday())] += 1
    working = sum(days.values())
    shares = {week: divmod(total * n, working) for week, n in days.items()}
    left = total - sum(whole for whole, _rest in shares.values())
    extra = sorted(shares, key=lambda week: (-shares[week][1], week))[:left]
    return {week: (whole + (week in extra)) * step for week, (whole, _rest) in shares.items()}


def schedule_from_forecast(
    *, items: Iterable[Item] | None = None, first_week: datetime.date, weeks: int = 13, user=None
) -> int:
    """Fill `weeks` weeks from Monday `first_week` with the forecast (adjusted, else statistical) of every
    forecast item (or `items`): each month over its working days, summed per week. A week with a working
    day in a forecast month is overwritten for the item (zero included); other weeks are left as they are.
    Returns how many week entries were written."""
    errors = _monday_errors(first_week, "first_week")
    if not 1 <= weeks <= MAX_WEEKS:
        errors["weeks"] = ValidationError(
            _("Fill between 1 and %(max)s weeks.") % {"max": MAX_WEEKS}, code="out_of_range"
        )
    if errors:
        raise ValidationError(errors)
    last_week = first_week + (weeks - 1) * ONE_WEEK
    # Every month with a working day in the weeks (a week's Friday can fall in the next month).
    first_month, last_month = month_start(first_week), month_start(last_week + datetime.timedelta(days=4))
    forecasts = DemandForecast.objects.filter(item__active=True).select_related("item__uom")
    if items is not None:
        forecasts = forecasts.filter(item__in=list(items))
    periods = DemandForecastPeriod.objects.filter(
        forecast__in=forecasts, month__gte=first_month, month__lte=last_month
    ).order_by("forecast_id", "month")

    planned: dict[tuple[int, datetime.date], Decimal] = defaultdict(Decimal)
    by_forecast = {forecast.pk: forecast for forecast in forecasts}
    for period in periods:
        item = by_forecast[period.forecast_id].item
        for week, quantity in spread_month(period.planned_qty, period.month, item.uom).items():
            if first_week <= week <= last_week:
                planned[item.pk, week] += quantity
    if not planned:
        return 0
    note = _("From the forecast")
    updated_by = user if getattr(user, "is_authenticated", False) else None
    entries = [
        MasterScheduleEntry(item_id=item_id, week_start=week, quantity=quantity, note=note, updated_by=updated_by)
        for (item_id, week), quantity in sorted(planned.items())
    ]
    with transaction.atomic():
        # One statement: a fill replaces the weeks it covers whole, never half of them.
        MasterScheduleEntry.objects.bulk_create(
            entries,
            update_conflicts=True,
            unique_fields=["item", "week_start"],
            update_fields=["quantity", "note", "updated_by", "updated_at"],
        )
    return len(entries)
