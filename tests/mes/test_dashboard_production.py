"""The production dashboard: OEE per week is the OEE of the week's days together (as the OEE page totals a
period), and output against plan sums the orders due in each week."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.roles import Role
from erp.models import ProductionOrder
from erp.services.production import production_order_cancel
from mes.dashboards import oee_panel
from mes.selectors.dashboard import oee_weeks, output_weeks
from mes.selectors.oee import OeeFigures, oee_report
from tests.mes.test_oee import at, early_shift, two_shifts

pytestmark = pytest.mark.django_db

NOW = at(23, day=2)  # Wednesday 2026-11-25, late
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_weeks_oee_is_its_days_together(floor, make_user):
    two_shifts(floor)
    early_shift(floor, day=-7)  # the Monday before
    early_shift(floor, day=0)
    last_week, this_week = oee_weeks(today=TODAY, weeks=2, now=NOW)
    assert (last_week.week, this_week.week) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 23))
    for week in (last_week, this_week):
        start = datetime.datetime.combine(week.week, datetime.time(), tzinfo=datetime.UTC)
        whole = oee_report(start=start, end=min(start + datetime.timedelta(days=7), NOW), now=NOW).total
        assert (week.figures.oee, week.figures.availability, week.figures.quality) == (
            whole.oee,
            whole.availability,
            whole.quality,
        )
        assert (week.figures.good_qty, week.figures.scrap_qty) == (144, 6)  # one early shift each
    figures = {str(figure.label): figure for figure in oee_panel(make_user(Role.OPERATOR))["figures"]}
    eight_weeks = OeeFigures()  # the weeks before: working time with nothing made
    for week in oee_weeks(today=TODAY, weeks=8, now=NOW):
        eight_weeks.add(week.figures)
    assert 0 < figures["OEE, 8 weeks"].value == eight_weeks.oee * 100 < last_week.figures.oee * 100


def test_output_against_plan_per_week_of_due_date(floor):
    def order(quantity: str, due: datetime.date, made: str):
        made_order = floor.order(quantity, due_date=due, start_date=due - datetime.timedelta(days=20))
        # What the order's output receipts have counted so far (mes receives them as operations complete).
        ProductionOrder.objects.filter(pk=made_order.pk).update(completed_qty=Decimal(made))
        return made_order

    order("100", datetime.date(2026, 11, 18), "95")
    order("50", datetime.date(2026, 11, 20), "50")
    order("40", datetime.date(2026, 11, 24), "10")
    order("30", datetime.date(2026, 11, 27), "0")  # due after today: not yet in the plan to date
    production_order_cancel(order=order("70", datetime.date(2026, 11, 19), "0"))
    weeks = output_weeks(today=TODAY, weeks=3)
    assert [(week.week.day, week.planned, week.made) for week in weeks] == [
        (9, 0, 0),
        (16, Decimal(150), Decimal(145)),
        (23, Decimal(40), Decimal(10)),
    ]
