"""The warehouse's dashboard panel on the flows' world of tests/wms/test_flows_views.py: the open work of each
kind and the week's moves, with figures that open the lists behind them."""

import datetime

import pytest
from django.utils import timezone

from core.roles import Role
from tests.wms.conftest import bin_, item, receive, warehouse  # noqa: F401  (shared fixtures)
from tests.wms.test_flows_views import floor  # noqa: F401
from wms.choices import MoveKind
from wms.dashboards import work_panel
from wms.selectors.dashboard import move_weeks, open_work

pytestmark = pytest.mark.django_db


def test_the_open_work_of_each_kind(floor):  # noqa: F811
    work = open_work()
    # The receipt is part received; 40 cables wait to be put away; the second order's list is open, the
    # first's picked and packed but not shipped; the count is recorded, not posted; no replenishment ran.
    assert (work.receipts, work.putaways, work.replenishments) == (1, 1, 0)
    assert (work.picks, work.to_ship, work.counts) == (1, 1, 1)
    assert work.total == 5


def test_the_moves_of_each_week(floor):  # noqa: F811
    today = timezone.localdate()
    earlier, this_week = move_weeks(today=today, weeks=2)
    assert this_week.week == today - datetime.timedelta(days=today.weekday())
    assert earlier.moves == dict.fromkeys(
        (MoveKind.RECEIPT, MoveKind.SHIPMENT, MoveKind.PRODUCTION, MoveKind.CONSUMPTION), 0
    )
    # Cables and elements received on the receipt, and cables straight into B-01; nothing has left yet.
    assert (this_week.moves[MoveKind.RECEIPT], this_week.moves[MoveKind.SHIPMENT]) == (3, 0)


def test_the_figures_open_the_lists_behind_them(floor, make_user, client):  # noqa: F811
    worker = make_user(Role.WAREHOUSE)
    figures = {str(figure.label): figure for figure in work_panel(worker)["figures"]}
    client.force_login(worker)
    to_pick = client.get(figures["Pick lists to pick"].url).content.decode()
    assert floor["open_list"].number in to_pick and floor["picked"].number not in to_pick
    to_ship = client.get(figures["Picked, to ship"].url).content.decode()
    assert floor["picked"].number in to_ship and floor["open_list"].number not in to_ship
    assert figures["Receipts to receive"].url == "/wms/receipts/"
