"""The demand forecast on small hand-computed histories: moving average, exponential smoothing (alpha 0.3),
seasonal naive, the one-step-ahead backtest and its MAPE, the method chosen, rounding to the unit, and
planner adjustments surviving a regeneration."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aps.models import DemandForecast, DemandForecastPeriod
from aps.services.forecast import forecast_generate, forecast_period_adjust
from erp.choices import SalesOrderState
from erp.models import SalesOrder, SalesOrderLine

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 11, 23)  # the current month is November 2026: history ends with October


def month(year: int, number: int) -> datetime.date:
    return datetime.date(year, number, 1)


def months_back(count: int) -> list[datetime.date]:
    """The `count` complete months before November 2026, oldest first."""
    return [month(2026 - (12 - n) // 12, (n - 1) % 12 + 1) for n in range(11 - count, 11)]


def sell(plant, item, quantities: list, *, day: int = 15):
    """One confirmed order line per month of history, oldest first, ending with October 2026."""
    for first, quantity in zip(months_back(len(quantities)), quantities, strict=True):
        if quantity:
            plant.sale(item, quantity, first.replace(day=day))


def periods(item) -> list[tuple[datetime.date, Decimal]]:
    return [(p.month, p.statistical_qty) for p in DemandForecastPeriod.objects.filter(forecast__item=item)]


def test_months_back_end_with_october():
    assert months_back(3) == [month(2026, 8), month(2026, 9), month(2026, 10)]
    assert months_back(13)[0] == month(2025, 10)


def test_a_trend_is_forecast_by_the_moving_average(plant):
    item = plant.item("KT-200")
    sell(plant, item, [10, 20, 30, 40, 50, 60])  # May to October
    assert forecast_generate(today=TODAY, horizon_months=3) == 1

    forecast = DemandForecast.objects.get(item=item)
    # Backtest June..October (5 months, one month of history needed before each):
    # MA forecasts 10, 15, 20, 30, 40 against 20, 30, 40, 50, 60: APE 50, 50, 50, 40, 33.33 -> 44.67.
    # ES (alpha 0.3) forecasts 10, 13, 18.1, 24.67, 32.269: APE 50, 56.67, 54.75, 50.66, 46.22 -> 51.66.
    assert forecast.method_errors == {"moving_average": "44.67", "exponential_smoothing": "51.66"}
    assert (forecast.method, forecast.mape, forecast.history_months) == ("moving_average", D("44.67"), 6)
    assert forecast.generated_on == TODAY
    # The mean of August to October, flat over the horizon from the current month.
    assert periods(item) == [(month(2026, 11), D(50)), (month(2026, 12), D(50)), (month(2027, 1), D(50))]


def test_a_spike_is_forecast_by_exponential_smoothing_rounded_to_whole_units(plant):
    item = plant.item("KT-300")
    sell(plant, item, [40, 40, 40, 40, 100, 40, 40])  # April to October, a spike in August
    forecast_generate(today=TODAY, horizon_months=2)

    forecast = DemandForecast.objects.get(item=item)
    # Backtest May..October. MA: 40, 40, 40, 40, 60, 60 -> APE 0, 0, 0, 60, 50, 50 -> 26.67.
    # ES: 40, 40, 40, 40, 58, 52.6 -> APE 0, 0, 0, 60, 45, 31.5 -> 22.75; its level after October is 48.82.
    assert forecast.method_errors == {"moving_average": "26.67", "exponential_smoothing": "22.75"}
    assert (forecast.method, forecast.mape) == ("exponential_smoothing", D("22.75"))
    # 48.82 each, counted in whole units.
    assert periods(item) == [(month(2026, 11), D(49)), (month(2026, 12), D(49))]


def test_equal_errors_choose_the_simpler_method(plant):
    item = plant.item("KT-400")
    sell(plant, item, [50, 50, 50, 50, 50, 50, 80])
    forecast_generate(today=TODAY)
    forecast = DemandForecast.objects.get(item=item)
    # Only October misses, by 30 of 80, for both methods: 37.5 / 6 months = 6.25.
    assert forecast.method_errors == {"moving_average": "6.25", "exponential_smoothing": "6.25"}
    assert forecast.method == "moving_average"
    assert DemandForecastPeriod.objects.filter(forecast=forecast).count() == 6


def test_a_seasonal_pattern_is_forecast_by_the_same_month_last_year(plant):
    item = plant.item("HEATER")
    # 24 months, November 2024 to October 2026: each month sells 10 x its number (January 10 ... December 120).
    history = [10 * first.month for first in months_back(24)]
    sell(plant, item, history)
    forecast_generate(today=TODAY, horizon_months=4)

    forecast = DemandForecast.objects.get(item=item)
    assert forecast.history_months == 24
    assert forecast.method == "seasonal_naive" and forecast.mape == D("0.00")
    assert set(forecast.method_errors) == {"moving_average", "exponential_smoothing", "seasonal_naive"}
    assert D(forecast.method_errors["moving_average"]) > 0
    assert periods(item) == [
        (month(2026, 11), D(110)),
        (month(2026, 12), D(120)),
        (month(2027, 1), D(10)),
        (month(2027, 2), D(20)),
    ]


def test_seasonal_naive_needs_thirteen_months_and_is_scored_on_the_same_months(plant):
    twelve, thirteen = plant.item("TWELVE"), plant.item("THIRTEEN")
    sell(plant, twelve, [10] * 12)
    # October 2025 .. October 2026: with 13 months only October has a month a year before it,
    # so every method is scored on October alone: 100 against 10 (seasonal), 10 (MA), 10 (ES).
    sell(plant, thirteen, [10] * 12 + [100])
    forecast_generate(today=TODAY)
    assert set(DemandForecast.objects.get(item=twelve).method_errors) == {"moving_average", "exponential_smoothing"}
    errors = DemandForecast.objects.get(item=thirteen).method_errors
    assert errors == {"moving_average": "90.00", "exponential_smoothing": "90.00", "seasonal_naive": "90.00"}


def test_without_sales_in_the_backtest_the_error_is_empty_and_the_moving_average_stands(plant):
    old, new = plant.item("OLD"), plant.item("NEW")
    sell(plant, old, [30, 0, 0, 0, 0, 0, 0])  # April only: May..October, the backtest, sold nothing
    sell(plant, new, [7])  # October only: no month before it to backtest
    forecast_generate(today=TODAY, horizon_months=1)
    for item, expected in ((old, D(0)), (new, D(7))):
        forecast = DemandForecast.objects.get(item=item)
        assert (forecast.method, forecast.mape) == ("moving_average", None)
        assert periods(item) == [(month(2026, 11), expected)]
    assert DemandForecast.objects.get(item=old).method_errors == {
        "moving_average": None,
        "exponential_smoothing": None,
    }


def test_history_counts_confirmed_demand_by_the_lines_requested_month(plant):
    item = plant.item("KT-500", uom="kg")
    plant.sale(item, "10.001", month(2026, 8).replace(day=3))
    plant.sale(item, "10.002", month(2026, 9).replace(day=30), state=SalesOrderState.SHIPPED)
    plant.sale(item, "999", month(2026, 9).replace(day=2), state=SalesOrderState.DRAFT)
    plant.sale(item, "999", month(2026, 10).replace(day=2), state=SalesOrderState.CANCELLED)
    plant.sale(item, "999", month(2026, 11).replace(day=2))  # the current month is not history
    # A line without a date of its own counts in its order's requested month.
    line = plant.sale(item, "10.004", month(2026, 10).replace(day=20))
    SalesOrderLine.objects.filter(pk=line.pk).update(requested_date=None)
    # ... and a line's own date wins over its order's.
    moved = plant.sale(item, "500", month(2026, 10).replace(day=5))
    SalesOrderLine.objects.filter(pk=moved.pk).update(requested_date=month(2024, 1))  # outside the window
    SalesOrder.objects.filter(pk=moved.order_id).update(requested_date=month(2026, 10))

    forecast_generate(today=TODAY, horizon_months=1)
    forecast = DemandForecast.objects.get(item=item)
    assert forecast.history_months == 3
    # (10.001 + 10.002 + 10.004) / 3 = 10.002333 kg, kept to the gram.
    assert periods(item) == [(month(2026, 11), D("10.002"))]


def test_adjustments_survive_a_regeneration_on_the_months_still_forecast(plant, make_user):
    item = plant.item("KT-200")
    sell(plant, item, [10, 20, 30, 40, 50, 60])
    forecast_generate(today=TODAY, horizon_months=3)
    planner = make_user("planner")
    november, december = DemandForecastPeriod.objects.filter(forecast__item=item).order_by("month")[:2]
    forecast_period_adjust(period=november, quantity=D(45), note="Trade fair", user=planner)
    december = forecast_period_adjust(period=december, quantity=D(70), note="Promotion", user=planner)
    assert (december.planned_qty, december.adjusted_by) == (D(70), planner)

    # A month later: November is history now (and has sold 80), February is new.
    plant.sale(item, 80, month(2026, 11).replace(day=10))
    forecast_generate(today=datetime.date(2026, 12, 2), horizon_months=3)
    rows = DemandForecastPeriod.objects.filter(forecast__item=item).order_by("month")
    # The mean of September to November: (50 + 60 + 80) / 3 = 63.33 -> 63.
    assert [(p.month, p.statistical_qty, p.adjusted_qty, p.note) for p in rows] == [
        (month(2026, 12), D(63), D(70), "Promotion"),
        (month(2027, 1), D(63), None, ""),
        (month(2027, 2), D(63), None, ""),
    ]
    assert rows[0].pk == december.pk and rows[0].planned_qty == D(70)

    # Clearing the figure lets the statistical one stand again.
    cleared = forecast_period_adjust(period=rows[0], quantity=None, note="", user=planner)
    assert (cleared.adjusted_qty, cleared.adjusted_by, cleared.planned_qty) == (None, None, D(63))


def test_adjustments_are_refused_when_negative_or_finer_than_the_unit(plant):
    item = plant.item("KT-200")
    sell(plant, item, [10, 20, 30])
    forecast_generate(today=TODAY, horizon_months=1)
    period = DemandForecastPeriod.objects.get(forecast__item=item)
    with pytest.raises(ValidationError) as negative:
        forecast_period_adjust(period=period, quantity=D(-1))
    assert negative.value.error_dict["adjusted_qty"][0].code == "negative"
    with pytest.raises(ValidationError) as fine:
        forecast_period_adjust(period=period, quantity=D("2.5"))
    assert fine.value.error_dict["adjusted_qty"][0].code == "too_precise"
    period.refresh_from_db()
    assert period.adjusted_qty is None


def test_a_regeneration_for_some_items_leaves_the_others_and_drops_items_no_longer_sold(plant):
    kept, gone, other = plant.item("KEPT"), plant.item("GONE"), plant.item("OTHER")
    for item in (kept, gone, other):
        sell(plant, item, [5, 5, 5])
    forecast_generate(today=TODAY)
    # GONE's orders are cancelled: it has no demand left in the window.
    SalesOrder.objects.filter(lines__item=gone).update(state=SalesOrderState.CANCELLED)
    SalesOrderLine.objects.filter(item=kept).update(quantity=D(8))
    assert forecast_generate(today=TODAY, items=[kept, gone]) == 1
    assert not DemandForecast.objects.filter(item=gone).exists()
    assert periods(kept)[0][1] == D(8)
    assert periods(other)[0][1] == D(5)  # not regenerated


def test_history_is_read_in_one_query_whatever_the_number_of_items(plant, django_assert_max_num_queries):
    for n in range(6):
        sell(plant, plant.item(f"ITEM-{n}"), [n + 1, n + 2, n + 3])
    with django_assert_max_num_queries(12):
        assert forecast_generate(today=TODAY) == 6
    with django_assert_max_num_queries(12):
        assert forecast_generate(today=TODAY) == 6
    assert DemandForecastPeriod.objects.count() == 36


def test_bad_horizons_are_refused(plant):
    with pytest.raises(ValidationError) as refused:
        forecast_generate(today=TODAY, horizon_months=0, history_months=500)
    assert set(refused.value.error_dict) == {"horizon_months", "history_months"}
