"""The finance and stock panels of the dashboards by hand: profit per month agreeing with profit and loss,
receivables and payables by age with what is overdue, and stock value per month end with the turns."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.roles import Role
from erp.choices import ValuationMethod
from erp.dashboards import aging_panel, stock_panel
from erp.selectors.dashboard import profit_months, stock_trend
from erp.selectors.finance import profit_and_loss
from erp.services.finance import journal_entry_create_manual
from erp.services.invoices import invoice_cancel, payment_register
from tests.erp.test_finance import day, sell  # noqa: F401  (shared fixtures)
from tests.erp.test_valuation import flows, post  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.django_db

D = Decimal


def expense(on: datetime.date, amount) -> None:
    journal_entry_create_manual(
        date=on, memo="Office", lines=[{"account": "6000", "debit": amount}, {"account": "1000", "credit": amount}]
    )


def test_profit_per_month_reads_as_profit_and_loss(sell):  # noqa: F811
    journal_entry_create_manual(  # capital: no income, no expense
        date=day(6, 1), memo="Capital", lines=[{"account": "1000", "debit": 1000}, {"account": "3000", "credit": 1000}]
    )
    sell(D("200"), day(6, 10))
    expense(day(6, 12), 150)
    expense(day(7, 2), 7)
    sell(D("80"), day(8, 3))
    expense(day(8, 25), 30)  # after "today"
    expense(day(5, 31), 99)  # before the months shown

    months = profit_months(today=day(8, 20), months=3)
    assert [(m.month, m.income, m.expense, m.profit) for m in months] == [
        (day(6, 1), D("200.00"), D("150.00"), D("50.00")),
        (day(7, 1), D("0.00"), D("7.00"), D("-7.00")),
        (day(8, 1), D("80.00"), D("0.00"), D("80.00")),
    ]
    report = profit_and_loss(date_from=day(6, 1), date_to=day(8, 20))
    assert sum(m.profit for m in months) == report.profit == D("123.00")


def _figures(panel: dict) -> dict[str, object]:
    return {str(figure.label): figure.value for figure in panel["figures"]}


def test_the_aging_panel_sums_what_is_overdue_and_links_each_kind(customer, sell, make_user):  # noqa: F811
    sell(D("100"), day(6, 20), day(7, 20))  # not due yet
    partly = sell(D("200"), day(5, 1), day(5, 31))  # 30 days past due
    payment_register(invoice=partly, amount=D("50"), date=day(6, 10))
    sell(D("300"), day(3, 1), day(3, 31))  # 91 days
    sell(D("400"), day(4, 15), day(5, 15))  # 46 days
    dropped = sell(D("70"), day(4, 1), day(4, 10))  # cancelled: not owed
    invoice_cancel(invoice=dropped, date=day(6, 1))

    with time_machine.travel(datetime.datetime(2026, 6, 30, 12, tzinfo=datetime.UTC), tick=False):
        panel = aging_panel(make_user(Role.FINANCE))
    figures = _figures(panel)
    assert figures["Receivables"] == D("950.00")
    assert figures["Receivables overdue"] == D("150.00") + D("400.00") + D("300.00")
    assert figures["Payables"] == figures["Payables overdue"] == 0
    chart = panel["charts"][0].as_dict()
    assert chart["labels"] == ["Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"]
    assert chart["datasets"][0] == {"label": "Receivables", "data": [100.0, 150.0, 400.0, 0.0, 300.0]}
    assert panel["figures"][0].url == "/erp/reports/aging/?kind=customer"
    assert panel["figures"][2].url == "/erp/reports/aging/?kind=supplier"
    assert all(figure.url == "" for figure in aging_panel(make_user(Role.WAREHOUSE))["figures"])


def test_stock_value_per_month_end_and_the_turns(company, valued, flows, make_user):  # noqa: F811
    kettle = valued("KT-DASH", ValuationMethod.FIFO)
    for moment, move in [
        (datetime.datetime(2026, 8, 20, 12, tzinfo=datetime.UTC), lambda: flows.receive(kettle, 4, "5.00")),
        (datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC), lambda: flows.receive(kettle, 6, "5.00")),
        (datetime.datetime(2026, 10, 5, 12, tzinfo=datetime.UTC), lambda: flows.ship(kettle, 4)),
        (datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC), lambda: flows.receive(kettle, 10, "6.00")),
        (datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC), lambda: flows.ship(kettle, 1)),  # after today
    ]:
        with time_machine.travel(moment, tick=False):
            move()

    trend = stock_trend(today=day(11, 20), months=3)
    assert trend.opening == D("20.00")  # August's receipt
    assert [(m.month, m.value, m.shipped_cost) for m in trend.months] == [
        (day(9, 1), D("50.00"), D("0.00")),
        (day(10, 1), D("30.00"), D("20.00")),
        (day(11, 1), D("90.00"), D("0.00")),
    ]
    # 20 shipped at cost over the average of 20, 50, 30 and 90.
    assert trend.value == D("90.00") and trend.turns == D("0.4")

    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC), tick=False):
        figures = _figures(stock_panel(make_user(Role.WAREHOUSE)))
    assert figures["Stock value"] == D("90.00") and figures["Cost of goods shipped, 12 months"] == D("20.00")
