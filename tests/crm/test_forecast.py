"""The forecast, the value per stage and the win rate, against numbers worked out by hand. The company keeps its
books in CNY; a USD is 7.1 CNY. "Today" is 2026-12-03; the forecast runs December to February."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from core.models import Currency
from core.roles import Role
from crm.models import Opportunity, SalesTarget
from crm.selectors.pipeline import pipeline_board, pipeline_by_stage, sales_forecast, win_rate
from crm.services.opportunities import opportunity_lose, opportunity_win
from tests.crm.pipeline_fixtures import (  # noqa: F401  (fixtures)
    company,
    customer,
    make_opportunity,
    month,
    price_reason,
    seller,
    stages,
    usd,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 3)


def at(day: datetime.date):
    return time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))), tick=False)


@pytest.fixture
def book(make_opportunity, usd, seller, make_user, price_reason, company):  # noqa: F811
    """Sally: A 10,000 CNY in Proposal (50 %) closing 12-10; B 2,000 USD in Negotiation (75 %) closing 12-20;
    E 6,000 CNY won on 12-03; H 500 USD won on 2026-06-15.
    Bob: C 8,000 CNY in Prospecting at 25 % by hand closing 2027-01-05; D 5,000 CNY in Qualification (20 %)
    closing in March (after the window); F 3,000 CNY lost on 12-03; G 1,000 CNY won in October 2025.
    Targets: Sally December 30,000 CNY; Bob December 10,000 CNY and January 1,000 USD; the team January 20,000."""
    bob = make_user(Role.SALES, username="bob")
    made = {}
    with at(datetime.date(2025, 10, 1)):
        made["G"] = opportunity_win(opportunity=make_opportunity(name="G", owner=bob, expected_revenue=Decimal(1000)))
    with at(datetime.date(2026, 6, 15)):
        made["H"] = opportunity_win(opportunity=make_opportunity(name="H", currency=usd, expected_revenue=Decimal(500)))
    with at(TODAY):
        made["A"] = make_opportunity(name="A", stage="Proposal", close_date=datetime.date(2026, 12, 10))
        made["B"] = make_opportunity(
            name="B",
            stage="Negotiation",
            currency=usd,
            expected_revenue=Decimal(2000),
            close_date=datetime.date(2026, 12, 20),
        )
        made["C"] = make_opportunity(
            name="C",
            owner=bob,
            expected_revenue=Decimal(8000),
            probability_pct=Decimal(25),
            close_date=datetime.date(2027, 1, 5),
        )
        made["D"] = make_opportunity(
            name="D",
            owner=bob,
            stage="Qualification",
            expected_revenue=Decimal(5000),
            close_date=datetime.date(2027, 3, 1),
        )
        made["E"] = opportunity_win(opportunity=make_opportunity(name="E", expected_revenue=Decimal(6000)))
        made["F"] = opportunity_lose(
            opportunity=make_opportunity(name="F", owner=bob, expected_revenue=Decimal(3000)), lost_reason=price_reason
        )
    cny = company.currency
    SalesTarget.objects.create(owner=seller, month=month(2026, 12), amount=Decimal(30000), currency=cny)
    SalesTarget.objects.create(owner=bob, month=month(2026, 12), amount=Decimal(10000), currency=cny)
    SalesTarget.objects.create(owner=bob, month=month(2027, 1), amount=Decimal(1000), currency=usd)
    SalesTarget.objects.create(owner=None, month=month(2027, 1), amount=Decimal(20000), currency=cny)
    return {**made, "bob": bob}


def figures(row) -> tuple:
    return (row.pipeline, row.weighted, row.won, row.target, row.committed, row.gap, row.attainment_pct)


def test_the_forecast_by_month_and_owner(book, seller, django_assert_max_num_queries):  # noqa: F811
    with at(TODAY), django_assert_max_num_queries(7):
        forecast = sales_forecast(start=TODAY, months=3)
    december, january, february = forecast.months
    assert [month.month for month in forecast.months] == [month(2026, 12), month(2027, 1), month(2027, 2)]
    assert forecast.currency.code == "CNY" and forecast.unconverted == []

    # December, Sally: pipeline A 10,000 + B 14,200 = 24,200; weighted 5,000 + 10,650 = 15,650; won E 6,000;
    # won + weighted 21,650 against 30,000: 8,350 short, 72.2 %.
    # Bob: F was lost, so nothing but his target of 10,000.
    assert [row.owner for row in december.rows] == [book["bob"], seller]
    bob_december, sally_december = december.rows
    assert figures(sally_december) == (24200, 15650, 6000, 30000, 21650, -8350, Decimal("72.2"))
    assert figures(bob_december) == (0, 0, 0, 10000, 0, -10000, Decimal("0.0"))
    # Without a team target, the month's target is the owners' together: 40,000; 21,650 is 54.1 % of it.
    assert figures(december.total) == (24200, 15650, 6000, 40000, 21650, -18350, Decimal("54.1"))

    # January, Bob: C 8,000 at 25 % by hand = 2,000; his target 1,000 USD = 7,100. The team's 20,000 is the
    # month's target: 2,000 is 10.0 % of it.
    (bob_january,) = january.rows
    assert figures(bob_january) == (8000, 2000, 0, 7100, 2000, -5100, Decimal("28.2"))
    assert figures(january.total) == (8000, 2000, 0, 20000, 2000, -18000, Decimal("10.0"))

    # February: nothing closes and nothing is targeted (D closes in March, after the window).
    assert february.rows == [] and figures(february.total) == (0, 0, 0, 0, 0, 0, None)
    assert (forecast.total.pipeline, forecast.total.weighted, forecast.total.won, forecast.total.target) == (
        32200,
        17650,
        6000,
        60000,
    )


def test_the_forecast_of_one_owner_leaves_out_the_team(book, seller):  # noqa: F811
    with at(TODAY):
        forecast = sales_forecast(start=TODAY, months=2, owner=seller)
    december, january = forecast.months
    assert [row.owner for row in december.rows] == [seller]
    assert figures(december.total) == (24200, 15650, 6000, 30000, 21650, -8350, Decimal("72.2"))
    assert january.rows == [] and january.total.target == 0  # the team's January target is not Sally's


def test_an_amount_without_an_exchange_rate_is_left_out_and_named(book, make_opportunity):  # noqa: F811
    eur, _created = Currency.objects.get_or_create(code="EUR", defaults={"name": "Euro"})
    with at(TODAY):
        make_opportunity(name="Euro deal", currency=eur, stage="Proposal", close_date=datetime.date(2026, 12, 15))
        forecast = sales_forecast(start=TODAY, months=1)
        board = pipeline_board()
    assert forecast.unconverted == ["EUR"] and board.unconverted == ["EUR"]
    assert forecast.months[0].total.pipeline == 24200
    assert [card.name for card in board.columns[2].cards] == ["A", "Euro deal"]  # on the board all the same


def test_value_per_stage_and_the_board_agree(book, stages):  # noqa: F811
    with at(TODAY):
        summaries = pipeline_by_stage()
        board = pipeline_board()
    expected = [
        ("Prospecting", 1, 8000, 2000),
        ("Qualification", 1, 5000, 1000),
        ("Proposal", 1, 10000, 5000),
        ("Negotiation", 1, 14200, 10650),
    ]
    assert [(s.stage.name, s.count, s.value, s.weighted) for s in summaries] == expected
    assert [(c.stage.name, c.count, c.value, c.weighted) for c in board.columns] == expected
    total = board.total
    assert (total.count, total.value, total.weighted) == (4, 37200, 18650)
    # Nothing on the board is overdue on 12-03; on 12-11 A is.
    with at(datetime.date(2026, 12, 11)):
        overdue = [card.name for column in pipeline_board().columns for card in column.cards if card.overdue]
    assert overdue == ["A"]


def test_the_win_rate_of_the_last_twelve_months(book):
    # Closed since 2025-12-03: won E 6,000 and H 500 USD = 3,550; lost F 3,000 (G, won in 2025-10, is older).
    # By count 2 of 3 = 66.7 %; by value 9,550 of 12,550 = 76.1 %.
    with at(TODAY):
        rate = win_rate()
    assert (rate.since, rate.won_count, rate.lost_count, rate.won_value, rate.lost_value) == (
        datetime.date(2025, 12, 3),
        2,
        1,
        Decimal("9550.00"),
        Decimal("3000.00"),
    )
    assert (rate.by_count_pct, rate.by_value_pct) == (Decimal("66.7"), Decimal("76.1"))
    with at(TODAY):
        assert win_rate(owner=book["bob"]).by_count_pct == Decimal("0.0")
        assert win_rate(since=datetime.date(2027, 1, 1)).by_count_pct is None  # nothing closed: no rate


def test_the_forecast_page_shows_the_months_and_owners(client_as, book):
    with at(TODAY):
        response = client_as(Role.PLANNER).get(reverse("crm:forecast"), {"start": "2026-12", "months": "3"})
    html = response.content.decode()
    assert response.status_code == 200
    december = html.split('id="forecast-2026-12"')[1].split("</tbody>")[0]
    assert "24,200" in december and "15,650" in december and "21,650" in december and "54 %" in december
    assert "sally" in december and "bob" in december
    assert 'id="crm-forecast-data"' in html


def test_the_forecast_page_refuses_a_bad_month_with_a_form_error(client_as, book):
    response = client_as(Role.SALES).get(reverse("crm:forecast"), {"start": "December", "months": "99"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"start", "months"}


def test_the_demo_pipeline(db):
    from core import demo as core_demo
    from crm.demo import pipeline as demo_pipeline

    core_demo.load()
    counts = demo_pipeline.load()
    assert counts == {"opportunities": 32, "sales targets": 38}
    assert demo_pipeline.load() == counts  # loaded once
    by_state = dict(Opportunity.objects.values_list("state").annotate(count=Count("pk")).order_by())
    assert by_state == {"open": 20, "won": 7, "lost": 5}
    assert not Opportunity.objects.filter(state="lost", lost_reason=None).exists()
    assert set(Opportunity.objects.values_list("owner__username", flat=True)) == {"sales", "kai"}
    assert set(Opportunity.objects.values_list("currency__code", flat=True)) == {"CNY", "EUR", "USD"}
    today = timezone.localdate()
    open_ones = Opportunity.objects.filter(state="open")
    assert open_ones.filter(close_date__lt=today).count() == 2
    assert not open_ones.filter(close_date__gt=today + datetime.timedelta(days=183)).exists()
    assert (
        not Opportunity.objects.exclude(state="open")
        .filter(close_date__lt=today - datetime.timedelta(days=365))
        .exists()
    )
    forecast = sales_forecast(start=today, months=6)
    assert forecast.unconverted == [] and forecast.total.pipeline > 0 and forecast.months[0].total.won > 0
    assert all(month.total.target == 800_000 for month in forecast.months)
    assert win_rate().won_count == 7
