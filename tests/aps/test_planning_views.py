"""The planning screens: who sees and may change what, the Generate button, adjusting a month, editing
the MPS grid (all changed cells or none) and filling it from the forecast, and the rough-cut page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aps.forms.planning import NEW_ROW, cell_name
from aps.models import DemandForecast, DemandForecastPeriod, MasterScheduleEntry
from aps.selectors.forecast import month_add, month_start
from aps.services.forecast import forecast_generate
from core.models import WorkCenter
from core.roles import Role
from plm.choices import RevisionState
from plm.models import RoutingOperation, RoutingRevision

pytestmark = pytest.mark.django_db
D = Decimal
MONDAY = datetime.date(2026, 11, 30)
WEEKS = [MONDAY + datetime.timedelta(weeks=k) for k in range(3)]


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def sold(plant):
    """KT-200 sold 10, 20, 30 in the three months before this one, and its forecast."""
    item = plant.item("KT-200", make=True)
    current = month_start(timezone.localdate())
    for back, quantity in ((3, 10), (2, 20), (1, 30)):
        plant.sale(item, quantity, month_add(current, -back).replace(day=10))
    forecast_generate(today=timezone.localdate(), horizon_months=3)
    return item


def grid_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"first_week": MONDAY, "weeks": 3, **params}.items())
    return f"{reverse('aps:schedule_grid')}?{query}"


# --- Who sees what -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "forecasts", "schedule"),
    [(Role.PLANNER, 200, 200), (Role.SALES, 200, 200), (Role.WAREHOUSE, 403, 200), (Role.OPERATOR, 403, 403)],
)
def test_pages_follow_the_access_rules(client_as, sold, role, forecasts, schedule):
    client = client_as(role)
    forecast = DemandForecast.objects.get(item=sold)
    assert client.get(reverse("aps:demandforecast_list")).status_code == forecasts
    assert client.get(forecast.get_absolute_url()).status_code == forecasts
    assert client.get(grid_url()).status_code == schedule
    assert client.get(reverse("aps:rough_cut")).status_code == schedule


def test_the_forecast_list_shows_the_coming_months_and_the_button_to_planners(client_as, sold):
    html = page(client_as(Role.PLANNER).get(reverse("aps:demandforecast_list")))
    current = month_start(timezone.localdate())
    assert "KT-200" in html and "Moving average (3 months)" in html
    assert f"{current:%Y-%m}" in html and f"{month_add(current, 5):%Y-%m}" in html
    assert 'id="generate-forecast"' in html
    assert 'id="generate-forecast"' not in page(client_as(Role.SALES).get(reverse("aps:demandforecast_list")))


def test_the_forecast_list_reads_a_bounded_number_of_queries(client_as, plant, django_assert_max_num_queries):
    current = month_start(timezone.localdate())
    for n in range(8):
        plant.sale(plant.item(f"ITEM-{n}"), n + 1, month_add(current, -1).replace(day=5))
    forecast_generate(today=timezone.localdate())
    client = client_as(Role.PLANNER)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("aps:demandforecast_list")).status_code == 200


def test_generate_runs_for_planners_only(client_as, plant):
    item = plant.item("KT-200")
    plant.sale(item, 12, month_add(month_start(timezone.localdate()), -1).replace(day=3))
    url = reverse("aps:forecast_generate")
    assert client_as(Role.SALES).post(url, {"horizon_months": 3, "history_months": 24}).status_code == 403
    assert not DemandForecast.objects.exists()
    response = client_as(Role.PLANNER).post(url, {"horizon_months": 3, "history_months": 24}, follow=True)
    assert messages_of(response) == ["Forecast 1 sold item(s)."]
    assert DemandForecastPeriod.objects.filter(forecast__item=item).count() == 3
    refused = client_as(Role.PLANNER).post(url, {"horizon_months": 0, "history_months": 24}, follow=True)
    assert "Months ahead" in messages_of(refused)[0]


# --- The forecast of an item ----------------------------------------------------------------------------------


def test_the_detail_charts_history_against_forecast_and_adjusts_a_month(client_as, sold):
    forecast = DemandForecast.objects.get(item=sold)
    client = client_as(Role.SALES)  # sales may adjust the months
    html = page(client.get(forecast.get_absolute_url()))
    assert 'id="forecast-chart"' in html
    assert html.count('class="bar bar-actual"') == 3 and html.count('class="bar bar-forecast"') == 3
    assert 'id="method-errors"' in html

    period = forecast.periods.order_by("month").first()
    url = reverse("aps:forecast_period_adjust", args=[period.pk])
    prefix = f"p{period.pk}"
    response = client.post(url, {f"{prefix}-adjusted_qty": "35", f"{prefix}-note": "Fair"}, follow=True)
    assert messages_of(response) == [f"Saved the forecast of {period.month:%Y-%m}."]
    period.refresh_from_db()
    assert (period.adjusted_qty, period.note) == (D(35), "Fair")
    assert 'class="bar bar-adjusted"' in page(client.get(forecast.get_absolute_url()))

    negative = client.post(url, {f"{prefix}-adjusted_qty": "-3", f"{prefix}-note": ""}, follow=True)
    assert messages_of(negative) == ["The forecast cannot be negative."]
    junk = client.post(url, {f"{prefix}-adjusted_qty": "lots", f"{prefix}-note": ""}, follow=True)
    assert messages_of(junk)[0].startswith("Adjusted quantity:")
    period.refresh_from_db()
    assert period.adjusted_qty == D(35)

    assert client_as(Role.WAREHOUSE).post(url, {f"{prefix}-adjusted_qty": "1"}).status_code == 403


# --- The master schedule grid ----------------------------------------------------------------------------------


def test_the_grid_saves_changed_cells_and_a_new_row(client_as, plant, sold):
    toaster = plant.item("TS-100", make=True)
    plant.schedule(sold, WEEKS[0], 10)
    plant.schedule(sold, WEEKS[1], 20)
    client = client_as(Role.PLANNER)
    html = page(client.get(grid_url()))
    assert f'name="{cell_name(sold.pk, WEEKS[0])}" value="10"' in html
    assert 'id="fill-from-forecast"' in html

    data = {
        "first_week": MONDAY.isoformat(),
        "weeks": 3,
        cell_name(sold.pk, WEEKS[0]): "10",  # unchanged
        cell_name(sold.pk, WEEKS[1]): "",  # emptied: the entry goes
        cell_name(sold.pk, WEEKS[2]): "0",  # an explicit zero
        "new_item": "TS-100",
        cell_name(NEW_ROW, WEEKS[2]): "7",
    }
    response = client.post(reverse("aps:schedule_grid"), data, follow=True)
    assert messages_of(response) == ["Saved 3 week(s)."]
    entries = {(e.item.code, e.week_start): e.quantity for e in MasterScheduleEntry.objects.select_related("item")}
    assert entries == {("KT-200", WEEKS[0]): D(10), ("KT-200", WEEKS[2]): D(0), ("TS-100", WEEKS[2]): D(7)}
    assert MasterScheduleEntry.objects.get(item=toaster).updated_by.username.startswith("planner")


@pytest.mark.parametrize(
    ("value", "error"), [("abc", "Enter a number."), ("-1", "greater than or equal to 0"), ("2.5", "decimal places")]
)
def test_bad_input_saves_nothing_and_marks_the_cell(client_as, plant, sold, value, error):
    plant.schedule(sold, WEEKS[0], 10)
    data = {
        "first_week": MONDAY.isoformat(),
        "weeks": 3,
        cell_name(sold.pk, WEEKS[0]): "15",  # valid, but not saved alone
        cell_name(sold.pk, WEEKS[1]): value,
    }
    response = client_as(Role.PLANNER).post(reverse("aps:schedule_grid"), data)
    html = page(response)
    assert 'id="grid-errors"' in html and error in html and "is-invalid" in html
    assert messages_of(response) == ["Nothing was saved: correct the marked cells."]
    assert {e.week_start: e.quantity for e in MasterScheduleEntry.objects.all()} == {WEEKS[0]: D(10)}


def test_an_unknown_new_item_is_refused(client_as, sold):
    data = {"first_week": MONDAY.isoformat(), "weeks": 3, "new_item": "NOPE", cell_name(NEW_ROW, WEEKS[0]): "4"}
    html = page(client_as(Role.PLANNER).post(reverse("aps:schedule_grid"), data))
    assert "There is no active item NOPE." in html
    assert not MasterScheduleEntry.objects.exists()


def test_only_planners_edit_the_grid(client_as, sold):
    client = client_as(Role.SALES)
    html = page(client.get(grid_url()))
    assert f'name="{cell_name(sold.pk, WEEKS[0])}"' not in html and 'id="fill-from-forecast"' not in html
    data = {"first_week": MONDAY.isoformat(), "weeks": 3, cell_name(sold.pk, WEEKS[0]): "5"}
    assert client.post(reverse("aps:schedule_grid"), data).status_code == 403
    assert client.post(reverse("aps:schedule_fill"), {"first_week": MONDAY, "weeks": 3}).status_code == 403
    assert not MasterScheduleEntry.objects.exists()


def test_fill_from_forecast_from_the_grid(client_as, sold):
    # The week of the current month's first working day: every week from it has forecast days.
    first = month_start(timezone.localdate())
    while first.weekday() > 4:
        first += datetime.timedelta(days=1)
    first_week = first - datetime.timedelta(days=first.weekday())
    client = client_as(Role.PLANNER)
    response = client.post(
        reverse("aps:schedule_fill"), {"first_week": first_week.isoformat(), "weeks": 4}, follow=True
    )
    written = MasterScheduleEntry.objects.filter(item=sold).count()
    assert written == 4 and messages_of(response) == ["Filled 4 item week(s) from the forecast."]
    tuesday = client.post(
        reverse("aps:schedule_fill"), {"first_week": first_week + datetime.timedelta(days=1), "weeks": 4}, follow=True
    )
    assert "Monday" in messages_of(tuesday)[0]


# --- Rough-cut capacity ------------------------------------------------------------------------------------------


def test_the_rough_cut_page_shows_load_against_capacity_with_overloads_in_red(client_as, plant, sold):
    assy = WorkCenter.objects.create(code="ASSY", name="Assembly", hours_per_day=D(8))
    assy.machines.create(code="A1", name="A1")
    routing = RoutingRevision.objects.create(item=sold, revision="A", state=RevisionState.RELEASED)
    RoutingOperation.objects.create(routing=routing, seq=10, work_center=assy, run_minutes_per_unit=D(60))
    plant.schedule(sold, WEEKS[0], 30)  # 30 h against 40 h
    plant.schedule(sold, WEEKS[1], 50)  # 50 h: overloaded
    html = page(client_as(Role.PLANNER).get(f"{reverse('aps:rough_cut')}?first_week={MONDAY}&weeks=3"))
    assert 'id="rough-cut-charts"' in html and 'id="rough-cut-table"' in html
    assert "30.00 / 40.00" in html and "50.00 / 40.00" in html
    assert html.count('class="week overloaded"') == 1 and "1 week overloaded" in html
