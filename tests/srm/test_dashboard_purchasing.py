"""The buyer's dashboard panel on the scorecards of tests/srm/test_scorecards_views.py: the latest month's
cards worst first, the averages per month, and the warned suppliers one click away."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.roles import Role
from srm.dashboards import scorecards_panel
from srm.selectors.dashboard import latest_month_scorecards, scorecard_months
from tests.srm.portal_fixtures import *  # noqa: F403
from tests.srm.test_scorecards_views import scorecards  # noqa: F401

pytestmark = pytest.mark.django_db

D = Decimal


def test_the_latest_month_worst_first_and_the_averages_per_month(scorecards):  # noqa: F811
    assert [(card.supplier.code, card.score) for card in latest_month_scorecards()] == [
        ("COILTEC", D("55.00")),
        ("HEATCO", D("71.20")),
    ]
    months = scorecard_months(today=datetime.date(2026, 11, 5), months=4)
    assert [(m.month.month, m.suppliers, m.score, m.on_time_pct, m.warned) for m in months] == [
        (8, 1, D("92.5"), D("100.0"), 0),
        (9, 0, None, None, 0),  # measured nothing: no score
        (10, 2, D("63.1"), D("60.0"), 1),  # COILTEC had no delivery due: its on-time is not a zero
        (11, 0, None, None, 0),
    ]


def test_the_panel_opens_the_warned_suppliers_of_the_month(scorecards, make_user, client):  # noqa: F811
    buyer = make_user(Role.BUYER)
    with time_machine.travel(datetime.datetime(2026, 11, 5, 12, tzinfo=datetime.UTC), tick=False):
        panel = scorecards_panel(buyer)
    figures = {str(figure.label): figure for figure in panel["figures"]}
    assert figures["Suppliers scored"].value == 2 and figures["On time, average"].value == D("60.00")
    warned = figures["Rated warning"]
    assert (warned.value, warned.alert) == (1, True)
    client.force_login(buyer)
    listed = client.get(warned.url).content.decode()
    assert "HEATCO" in listed and "COILTEC" not in listed
    assert panel["charts"][0].as_dict()["labels"] == ["COILTEC", "HEATCO"]
