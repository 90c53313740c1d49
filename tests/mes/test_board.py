"""The supervisor board: every machine's state, its operation against the published schedule and its OEE
today, in queries that do not grow with the machines; the page refreshes its tiles by htmx polling."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from aps.choices import ScheduleState
from aps.models import Schedule, ScheduleJob, ScheduleOperation
from core.models import Area, Machine, Site
from core.roles import Role
from mes.choices import MachineState
from mes.selectors.board import machine_board
from mes.services import execution as x

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 11, 23, 12, tzinfo=datetime.UTC)


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return NOON.replace(hour=hour, minute=minute)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=False):
        yield


def publish(operation, start: datetime.datetime, end: datetime.datetime) -> None:
    schedule, _new = Schedule.objects.get_or_create(
        state=ScheduleState.PUBLISHED, defaults={"name": "Week 48", "horizon_start": start, "frozen_until": start}
    )
    order = operation.order
    job = ScheduleJob.objects.create(
        schedule=schedule,
        reference=order.number,
        production_order=order,
        item=order.item,
        quantity=order.quantity,
        due=end,
    )
    ScheduleOperation.objects.create(
        job=job,
        operation=operation,
        seq=operation.seq,
        work_center=operation.work_center,
        run_minutes=200,
        machine=operation.machine,
        start=start,
        end=end,
    )


@pytest.fixture
def shop(floor, company):
    """ASSY-1 runs an order of 100 (2 min a unit) since 08:00, planned to end at 12:30; ASSY-2 broke down at
    11:30; nothing was reported on TEST-1."""
    site = Site.objects.create(company=company, code="SZ", name="Shenzhen")
    hall = Area.objects.create(site=site, code="HALL", name="Hall 1")
    floor["assembly"].area = hall
    floor["assembly"].save()
    order = floor.order("100")
    operation = order.operations.get(seq=10)
    run = x.operation_start(operation=operation, machine=floor["assy1"], at=at(8))
    x.operation_count(run=run, good_qty=30, scrap_qty=2, scrap_reason=floor.scrap(), at=at(10, 55))
    publish(operation, at(8), at(12, 30))
    x.downtime_start(machine=floor["assy2"], reason=floor.reason("BD"), at=at(11, 30))
    floor["operation"] = operation
    return floor


def tiles_by_code(groups) -> dict:
    return {tile.machine.code: tile for group in groups for tile in group.tiles}


def test_every_machine_with_its_state_its_order_against_plan_and_its_oee_today(shop):
    groups = machine_board()
    assert [(group.area.code if group.area else None, group.work_center.code) for group in groups] == [
        ("HALL", "ASSY"),
        (None, "TEST"),
    ]
    tiles = tiles_by_code(groups)
    assert list(tiles) == ["ASSY-1", "ASSY-2", "TEST-1"]

    running = tiles["ASSY-1"]
    assert (running.state, running.since, running.operation) == (MachineState.RUNNING, at(8), shop["operation"])
    assert (running.good_qty, running.scrap_qty, running.order_qty, running.progress_pct) == (30, 2, 100, 30)
    # 70 units left at 2 minutes: 14:20 expected against 12:30 planned.
    assert (running.expected_end, running.planned_end) == (at(14, 20), at(12, 30))
    assert (running.late_minutes, running.behind) == (110, True)
    # Since midnight, around the clock: 720 planned minutes, 32 units made x 2 min.
    assert (running.oee_today.planned_busy_minutes, running.oee_today.ideal_minutes) == (720, 64)

    down = tiles["ASSY-2"]
    assert (down.state, down.reason.code, down.since, down.operation) == (MachineState.DOWN, "BD", at(11, 30), None)
    assert down.oee_today.downtime_minutes == 30

    idle = tiles["TEST-1"]
    assert (idle.state, idle.since, idle.operation, idle.late_minutes) == (MachineState.IDLE, None, None, None)


def test_ahead_of_plan_when_what_is_left_fits_before_the_planned_end(shop):
    ScheduleOperation.objects.update(end=at(16))
    running = tiles_by_code(machine_board())["ASSY-1"]
    assert (running.late_minutes, running.behind) == (-100, False)


def test_the_queries_do_not_grow_with_the_machines(shop):
    with CaptureQueriesContext(connection) as few:
        machine_board()
    for n in range(6):
        machine = Machine.objects.create(work_center=shop["assembly"], code=f"ASSY-{n + 3}", name=f"Line {n + 3}")
        if n % 2:
            x.downtime_start(machine=machine, reason=shop.reason("NOMAT"), at=at(11))
        else:
            order = shop.order("10")
            run = x.operation_start(operation=order.operations.get(seq=10), machine=machine, at=at(9))
            x.operation_count(run=run, good_qty=5, at=at(10))
            if n == 0:
                publish(order.operations.get(seq=10), at(9), at(11))
    with CaptureQueriesContext(connection) as many:
        groups = machine_board()
        # Drawing every tile reads nothing more.
        html = render_to_string("mes/board/_tiles.html", {"groups": groups, "refresh_seconds": 10})
    assert html.count('class="board-tile ') == len(tiles_by_code(groups)) == 9
    assert len(many) == len(few)


def test_the_page_polls_its_tiles(shop, client_as):
    client = client_as(Role.OPERATOR)
    page = client.get("/mes/board/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 10s"' in html and "<html" in html
    assert 'class="board-tile state-running"' in html and 'class="board-tile state-down"' in html
    assert "Behind plan by 110 min" in html

    tiles = client.get("/mes/board/", headers={"HX-Request": "true"})
    html = tiles.content.decode()
    assert "<html" not in html and html.startswith('<div id="board"')
    assert 'data-machine="ASSY-2"' in html


def test_the_board_in_the_api(shop, api_as):
    answer = api_as(Role.PLANNER).get("/api/v1/mes/board/")
    assert answer.status_code == 200
    first = answer.json()[0]
    assert (first["machine"], first["area"], first["state"], first["order"]) == (
        "ASSY-1",
        "HALL",
        "running",
        shop["operation"].order.number,
    )
    # Since midnight around the clock (720 min) it ran from 08:00: 240 min producing, 480 idle.
    assert (Decimal(first["good_qty"]), first["late_minutes"], first["oee_today"]["availability"]) == (
        30,
        110,
        "0.3333",
    )
    assert api_as(Role.PARTNER).get("/api/v1/mes/board/").status_code == 403
