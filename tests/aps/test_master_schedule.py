"""The master schedule: setting a week (Monday only, active items, whole units, zero kept), and filling
weeks from the forecast by working days with largest-remainder rounding, hand-computed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aps.models import DemandForecast, DemandForecastPeriod, MasterScheduleEntry
from aps.services.schedule import (
    month_weekdays,
    schedule_entry_delete,
    schedule_entry_set,
    schedule_from_forecast,
    spread_month,
)
from core.models import Unit

pytestmark = pytest.mark.django_db
D = Decimal
MONDAY = datetime.date(2026, 11, 30)
WEEKS = [MONDAY + datetime.timedelta(weeks=k) for k in range(5)]  # Nov 30, Dec 7, 14, 21, 28


def forecast(item, months: dict, adjusted: dict | None = None) -> DemandForecast:
    forecast = DemandForecast.objects.create(item=item, method="moving_average", generated_on=MONDAY)
    for first, quantity in months.items():
        DemandForecastPeriod.objects.create(
            forecast=forecast,
            month=first,
            statistical_qty=D(quantity),
            adjusted_qty=None if adjusted is None or first not in adjusted else D(adjusted[first]),
        )
    return forecast


def schedule(item) -> dict[datetime.date, Decimal]:
    return {e.week_start: e.quantity for e in MasterScheduleEntry.objects.filter(item=item)}


# --- Setting a week --------------------------------------------------------------------------------------------------


def test_a_week_is_set_changed_and_kept_at_zero(plant, make_user):
    item = plant.item("KT-200", make=True)
    planner = make_user("planner")
    entry = schedule_entry_set(item=item, week_start=MONDAY, quantity=D(40), note=" launch ", user=planner)
    assert (entry.quantity, entry.note, entry.updated_by) == (D(40), "launch", planner)
    again = schedule_entry_set(item=item, week_start=MONDAY, quantity=D(0))
    assert again.pk == entry.pk and again.quantity == D(0) and again.note == ""
    assert schedule(item) == {MONDAY: D(0)}  # an explicit zero, not a missing week
    schedule_entry_delete(entry=again)
    assert schedule(item) == {}


def test_a_week_must_start_on_monday_for_an_active_item_in_its_units(plant):
    item = plant.item("KT-200", make=True)
    with pytest.raises(ValidationError) as tuesday:
        schedule_entry_set(item=item, week_start=MONDAY + datetime.timedelta(days=1), quantity=D(5))
    assert tuesday.value.error_dict["week_start"][0].code == "not_monday"
    assert "2026-12-01 is a Tuesday" in tuesday.value.messages[0]

    with pytest.raises(ValidationError) as bad:
        schedule_entry_set(item=item, week_start=MONDAY, quantity=D("2.5"))
    assert bad.value.error_dict["quantity"][0].code == "too_precise"
    with pytest.raises(ValidationError) as negative:
        schedule_entry_set(item=item, week_start=MONDAY, quantity=D(-1))
    assert negative.value.error_dict["quantity"][0].code == "negative"

    item.active = False
    item.save()
    with pytest.raises(ValidationError) as inactive:
        schedule_entry_set(item=item, week_start=MONDAY, quantity=D(1))
    assert inactive.value.error_dict["item"][0].code == "inactive"
    assert not MasterScheduleEntry.objects.exists()

    kilos = plant.item("STEEL", uom="kg")
    assert schedule_entry_set(item=kilos, week_start=MONDAY, quantity=D("2.125")).quantity == D("2.125")


# --- Spreading a month ------------------------------------------------------------------------------------------------


def test_the_working_days_of_december_2026():
    days = month_weekdays(datetime.date(2026, 12, 1))
    assert len(days) == 23 and days[0] == datetime.date(2026, 12, 1) and days[-1] == datetime.date(2026, 12, 31)


def test_a_month_spreads_by_working_days_with_the_largest_remainders_in_whole_units():
    ea = Unit.objects.get(code="ea")
    # December 2026: 4 working days in the week of Nov 30, 5, 5, 5, then 4 in the week of Dec 28 (23).
    # 100 x 4/23 = 17.39, 100 x 5/23 = 21.74: floors 17, 21, 21, 21, 17 = 97; the 3 left go to the
    # largest remainders (the three 5-day weeks).
    assert spread_month(D(100), datetime.date(2026, 12, 1), ea) == dict(
        zip(WEEKS, map(D, (17, 22, 22, 22, 17)), strict=True)
    )
    # One unit: every week's remainder is 4 or 5 of 23; the earliest of the largest takes it.
    assert spread_month(D(1), datetime.date(2026, 12, 1), ea) == dict(zip(WEEKS, map(D, (0, 1, 0, 0, 0)), strict=True))


def test_a_month_in_kilograms_spreads_to_the_gram():
    kg = Unit.objects.get(code="kg")
    spread = spread_month(D(10), datetime.date(2026, 12, 1), kg)
    assert list(spread.values()) == [D("1.739"), D("2.174"), D("2.174"), D("2.174"), D("1.739")]
    assert sum(spread.values()) == D(10)


# --- Filling from the forecast -------------------------------------------------------------------------------------


def test_fill_from_forecast_sums_the_months_per_week_and_overwrites_only_those_weeks(plant, make_user):
    kettle = plant.item("KT-200", make=True)
    steel = plant.item("STEEL", uom="kg")
    idle = plant.item("IDLE", make=True)
    # November: 42 over 21 working days (10 per full week, 2 for Monday the 30th). December: adjusted to 100
    # (statistical 80): 17, 22, 22, 22, 17. January 2027: 21 over 21 days; Friday the 1st falls in the week
    # of Dec 28.
    forecast(
        kettle,
        {datetime.date(2026, 11, 1): 42, datetime.date(2026, 12, 1): 80, datetime.date(2027, 1, 1): 21},
        adjusted={datetime.date(2026, 12, 1): 100},
    )
    forecast(steel, {datetime.date(2026, 12, 1): 10})
    plant.schedule(kettle, WEEKS[1], 5)  # overwritten
    plant.schedule(kettle, datetime.date(2027, 1, 4), 99)  # after the filled weeks: kept
    plant.schedule(idle, WEEKS[1], 7)  # no forecast: kept
    planner = make_user("planner")

    written = schedule_from_forecast(first_week=MONDAY, weeks=5, user=planner)

    assert written == 10
    assert schedule(kettle) == {
        WEEKS[0]: D(19),  # 2 of November + 17 of December
        WEEKS[1]: D(22),
        WEEKS[2]: D(22),
        WEEKS[3]: D(22),
        WEEKS[4]: D(18),  # 17 of December + 1 of January
        datetime.date(2027, 1, 4): D(99),
    }
    assert schedule(steel) == dict(zip(WEEKS, map(D, ("1.739", "2.174", "2.174", "2.174", "1.739")), strict=True))
    assert schedule(idle) == {WEEKS[1]: D(7)}
    entry = MasterScheduleEntry.objects.get(item=kettle, week_start=WEEKS[1])
    assert (entry.updated_by, entry.note) == (planner, "From the forecast")


def test_fill_for_some_items_leaves_weeks_without_forecast_alone(plant):
    kettle, toaster = plant.item("KT-200", make=True), plant.item("TS-100", make=True)
    forecast(kettle, {datetime.date(2026, 12, 1): 0})
    forecast(toaster, {datetime.date(2026, 12, 1): 46})
    plant.schedule(kettle, datetime.date(2026, 11, 23), 3)  # a week with no working day in December
    assert schedule_from_forecast(items=[kettle], first_week=datetime.date(2026, 11, 23), weeks=2) == 1
    # The week of Nov 30 has December days: a planned zero is written; the week before is left as it was.
    assert schedule(kettle) == {datetime.date(2026, 11, 23): D(3), MONDAY: D(0)}
    assert schedule(toaster) == {}


def test_fill_refuses_a_first_week_that_is_not_a_monday(plant):
    with pytest.raises(ValidationError) as refused:
        schedule_from_forecast(first_week=datetime.date(2026, 12, 2), weeks=0)
    assert set(refused.value.error_dict) == {"first_week", "weeks"}
