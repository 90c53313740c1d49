"""The operator tablet through the Django test client: a shared tablet login, operators by badge, and
every button one service call whose refusal is a red box on the screen, never an error page.

Data is built with the services (tests/mes/conftest.py: the kettle plant, its machines and badges)."""

import re

import pytest
import time_machine
from django.urls import reverse

from core.choices import Tracking
from core.models import Item
from core.roles import Role
from erp.models import Employee
from mes.choices import EventKind, MachineState, RunState
from mes.models import Downtime, InspectionPlan, MachineStatus, OperationRun, OperatorAssignment, ProductionEvent
from mes.services import execution as x
from tests.mes.conftest import T0, at
from tests.wms.test_tablet import confirmed, page, refused, value
from wms.models import Lot, Quant, StockMove

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"mes:{name}", args=args)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tablet(client, make_user, clock):
    """The tablet on the line, signed in once as the shared operator user."""
    client.force_login(make_user(Role.OPERATOR, username="tablet-assy"))
    return client


@pytest.fixture
def supervisor(floor, make_user):
    """A planner (who may change production orders) with a badge of their own."""
    user = make_user(Role.PLANNER, username="sam")
    Employee.objects.create(
        number="E-2001",
        first_name="Sam",
        last_name="Supervisor",
        badge="B-2001",
        user=user,
        department=floor["B-1001"].department,
    )
    return user


def told(response, text: str) -> str:
    """A refused button: the screen it leads to says why in a red message."""
    html = page(response)
    said = re.findall(r'<div class="alert scan-feedback alert-danger scan-error"[^>]*>(.*?)</div>', html, re.S)
    assert any(text in message for message in said), (text, said)
    return html


def badge_in(tablet, badge="B-1001"):
    return tablet.post(url("tablet_home"), {"badge": badge}, follow=True)


def on_machine(tablet, floor, badge="B-1001", machine="assy1"):
    badge_in(tablet, badge)
    tablet.post(url("tablet_sign_on", floor[machine].pk))
    return floor[machine]


def run_on(machine) -> OperationRun:
    return OperationRun.objects.exclude(state=RunState.DONE).get(machine=machine)


def test_an_operator_runs_an_order_from_badge_to_sign_off(tablet, floor, supervisor, clock, receive, bin_):
    Item.objects.filter(pk__in=[floor["element"].pk, floor["kettle"].pk]).update(tracking=Tracking.LOT)
    receive(Item.objects.get(pk=floor["element"].pk), 20, bin_("B-01"), lot="EL-7")
    order = floor.order("10")
    li = floor["B-1001"]

    # Badge, then the machines to pick from, then signed on to one.
    assert 'name="badge"' in page(tablet.get(url("tablet_home")))
    html = confirmed(badge_in(tablet), "Hello Li Wei")
    assert "ASSY-1" in html and "TEST-1" in html
    html = confirmed(tablet.post(url("tablet_sign_on", floor["assy1"].pk), follow=True), "Li Wei is on ASSY-1")
    assert OperatorAssignment.objects.filter(employee=li, machine=floor["assy1"], until__isnull=True).exists()
    assert f'id="dispatch-{order.operations.get(seq=10).pk}"' in html and "Fit the element" in html

    # Start from the dispatch list.
    op10 = order.operations.get(seq=10)
    clock.move_to(at(1))
    html = confirmed(tablet.post(url("tablet_start", floor["assy1"].pk, op10.pk), follow=True), "Started operation 10")
    run = run_on(floor["assy1"])
    start = ProductionEvent.objects.get(kind=EventKind.START)
    assert (run.state, start.employee, start.user.username) == (RunState.RUNNING, li, "tablet-assy")
    assert 'id="run-good">0<' in html

    # Count; more than ordered is refused until a supervisor accepts it.
    clock.move_to(at(30))
    confirmed(tablet.post(url("tablet_count", floor["assy1"].pk), {"good": "8"}, follow=True), "Counted 8 good")
    over = {"good": "3", "scrap": ""}
    html = refused(tablet.post(url("tablet_count", floor["assy1"].pk), over), "a supervisor has to accept")
    assert 'id="override"' in html and value(html, "good") == "3"
    html = refused(
        tablet.post(
            url("tablet_count", floor["assy1"].pk), {**over, "supervisor": "B-2001", "supervisor_password": "x"}
        ),
        "Badge or password not accepted",
    )
    html = refused(
        tablet.post(
            url("tablet_count", floor["assy1"].pk), {**over, "supervisor": "B-1002", "supervisor_password": "x"}
        ),
        "Badge or password not accepted",  # an operator's badge without a user signs nothing
    )
    assert ProductionEvent.objects.filter(kind=EventKind.COUNT).count() == 1
    accepted = {**over, "supervisor": "B-2001", "supervisor_password": "pw-Takt-2026"}
    html = confirmed(tablet.post(url("tablet_count", floor["assy1"].pk), accepted, follow=True), "Counted 3 good")
    assert 'id="run-good">11<' in html

    # Pause for a reason (the machine is down for it), resume.
    clock.move_to(at(40))
    html = page(tablet.get(url("tablet_pause", floor["assy1"].pk)))
    assert (
        html.index("Planned")
        < html.index('id="reason-CHG"')
        < html.index("Unplanned")
        < html.index('id="reason-NOMAT"')
    )
    nomat = floor.reason("NOMAT")
    confirmed(tablet.post(url("tablet_pause", floor["assy1"].pk), {"reason": nomat.pk}, follow=True), "No material")
    status = MachineStatus.objects.get(machine=floor["assy1"])
    assert (run_on(floor["assy1"]).state, status.state, status.reason) == (RunState.PAUSED, MachineState.DOWN, nomat)
    clock.move_to(at(55))
    confirmed(tablet.post(url("tablet_resume", floor["assy1"].pk), follow=True), "runs again")
    assert Downtime.objects.get().end == at(55)

    # Scrap needs its reason.
    clock.move_to(at(60))
    refused(tablet.post(url("tablet_count", floor["assy1"].pk), {"scrap": "1"}), "Say why the units were scrapped")
    dent = floor.scrap("DENT")
    scrap = {"scrap": "1", "scrap_reason": dent.pk}
    confirmed(tablet.post(url("tablet_count", floor["assy1"].pk), scrap, follow=True), "1 scrap")
    assert ProductionEvent.objects.get(kind=EventKind.COUNT, scrap_qty=1).scrap_reason == dent

    # Material: a scanned lot of a component goes in.
    scan = {"consume-lot": "EL-7", "consume-quantity": "2", "consume-location": "MAIN/STOCK/B-01"}
    confirmed(tablet.post(url("tablet_material", floor["assy1"].pk), scan, follow=True), "HE-2000, lot EL-7")
    lot = Lot.objects.get(code="EL-7")
    assert Quant.objects.get(lot=lot, location=bin_("B-01")).quantity == 18
    assert ProductionEvent.objects.get(kind=EventKind.CONSUME, lot=lot).employee == li

    # The last operation produces lots; op 10 is not it. Complete it, test and produce on the bench.
    assert "not the last" in page(tablet.post(url("tablet_produce", floor["assy1"].pk), {"quantity": "1"}))
    clock.move_to(at(90))
    confirmed(tablet.post(url("tablet_complete", floor["assy1"].pk), follow=True), "11 good, 1 scrap")
    op10.refresh_from_db()
    assert (op10.state, op10.good_qty, op10.scrap_qty) == ("done", 11, 1)
    tablet.post(url("tablet_sign_on", floor["test1"].pk))
    op20 = order.operations.get(seq=20)
    tablet.post(url("tablet_start", floor["test1"].pk, op20.pk))
    clock.move_to(at(120))
    tablet.post(url("tablet_count", floor["test1"].pk), {**accepted, "good": "11"})
    html = page(tablet.get(url("tablet_produce", floor["test1"].pk)))
    assert value(html, "quantity") == "11"
    html = confirmed(
        tablet.post(url("tablet_produce", floor["test1"].pk), {"quantity": "11"}, follow=True), "Received 11"
    )
    produced = Lot.objects.get(item=floor["kettle"])
    assert produced.code in re.search(r'id="produced".*?</section>', html, re.S).group(0)
    assert "data-print" in html
    confirmed(tablet.post(url("tablet_complete", floor["test1"].pk), follow=True), "Completed operation 20")

    # Off one machine, then off the floor.
    clock.move_to(at(125))
    confirmed(tablet.post(url("tablet_sign_off", floor["assy1"].pk), follow=True), "Li Wei left ASSY-1")
    html = confirmed(tablet.post(url("tablet_sign_out"), follow=True), "Goodbye Li Wei")
    assert 'name="badge"' in html
    assert not OperatorAssignment.objects.filter(employee=li, until__isnull=True).exists()
    assert not li.attendances.filter(clock_out__isnull=True).exists()
    assert tablet.get(url("tablet_machines")).url == url("tablet_home")


def test_backflush_consumes_the_bill_of_materials_for_the_units_made(tablet, floor, clock):
    order = floor.order("10")
    machine = on_machine(tablet, floor)
    tablet.post(url("tablet_start", machine.pk, order.operations.get(seq=10).pk))
    html = page(tablet.get(url("tablet_material", machine.pk)))
    assert "KT-BODY" in html and 'name="backflush-quantity"' in html
    flushed = tablet.post(url("tablet_backflush", machine.pk), {"backflush-quantity": "4"}, follow=True)
    confirmed(flushed, "Backflushed the materials of 4 units: 3 consumptions recorded")
    issued = {c.item.code: c.issued_qty for c in order.components.all()}
    assert issued == {"KT-BODY": 4, "HE-2000": 5, "DESCALER": 1}  # 4 x 1.025 elements, whole; 4 x 250 g
    assert ProductionEvent.objects.filter(kind=EventKind.CONSUME, employee=floor["B-1001"]).count() == 3


def test_the_machine_screen_links_the_inspections_the_run_owes(tablet, floor):
    plan = InspectionPlan.objects.create(code="KT-FINAL", name="Final test", item=floor["kettle"])
    order = floor.order("10")
    x.operation_complete(run=x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"]))
    machine = on_machine(tablet, floor, machine="test1")
    tablet.post(url("tablet_start", machine.pk, order.operations.get(seq=20).pk))
    html = page(tablet.get(url("tablet_machine", machine.pk)))
    link = re.search(
        r'<a class="btn btn-tablet btn-warning" href="([^"]+)" id="inspect-KT-FINAL">\s*(.*?)</a>', html, re.S
    )
    run = run_on(machine)
    assert link.group(1) == f"{reverse('mes:inspection_record')}?run={run.pk}&plan={plan.pk}"
    assert "First piece" in link.group(2)


def test_downtime_is_started_and_ended_with_a_reason(tablet, floor, clock):
    machine = on_machine(tablet, floor)
    html = page(tablet.get(url("tablet_downtime", machine.pk)))
    assert 'id="reason-BD"' in html and 'id="reason-BRK"' in html
    confirmed(tablet.post(url("tablet_downtime", machine.pk), {"reason": floor.reason("BD").pk}, follow=True), "down")
    assert MachineStatus.objects.get(machine=machine).state == MachineState.DOWN
    clock.move_to(at(20))
    confirmed(tablet.post(url("tablet_downtime_end", machine.pk), follow=True), "back after Breakdown")
    downtime = Downtime.objects.get()
    assert (downtime.start, downtime.end) == (T0, at(20))


def test_floor_roles_use_the_tablet_and_other_roles_are_refused(client, make_user, floor):
    assert client.get(url("tablet_home")).status_code == 302  # to the login page
    for role in (Role.SALES, Role.WAREHOUSE, Role.FINANCE):
        client.force_login(make_user(role))
        assert client.get(url("tablet_home")).status_code == 403
        assert client.post(url("tablet_home"), {"badge": "B-1001"}).status_code == 403
    for role in (Role.OPERATOR, Role.QUALITY, Role.PLANNER):
        client.force_login(make_user(role))
        assert client.get(url("tablet_home")).status_code == 200


def test_screens_need_a_badge_and_a_machine_signed_on(tablet, floor):
    machine = floor["assy1"]
    assert tablet.get(url("tablet_machine", machine.pk)).url == url("tablet_home")
    badge_in(tablet)
    response = tablet.get(url("tablet_machine", machine.pk), follow=True)
    assert "Sign on to ASSY-1 first" in page(response)
    assert tablet.post(url("tablet_start", machine.pk, floor.order().operations.get(seq=10).pk)).url == url(
        "tablet_machines"
    )
    assert not OperationRun.objects.exists()


def test_garbage_and_refusals_are_shown_on_the_screen(tablet, floor, clock):
    refused(badge_in(tablet, "NOBODY"), "Unknown badge: NOBODY")
    badge_in(tablet, "B-1002")
    # Anna is not qualified for the test bench.
    told(tablet.post(url("tablet_sign_on", floor["test1"].pk), follow=True), "has no qualification")
    machine = on_machine(tablet, floor, "B-1002")
    order = floor.order("10")
    # Nothing runs: counting, pausing and completing say so.
    for name in ("tablet_count", "tablet_pause", "tablet_complete", "tablet_material", "tablet_produce"):
        told(tablet.post(url(name, machine.pk), follow=True), "Nothing runs on ASSY-1")
    # An operation that is not ready, one that does not exist.
    op20 = order.operations.get(seq=20)
    told(tablet.post(url("tablet_start", machine.pk, op20.pk), follow=True), "is not ready")
    assert tablet.post(url("tablet_start", machine.pk, 999999)).status_code == 404
    tablet.post(url("tablet_start", machine.pk, order.operations.get(seq=10).pk))
    for data, text in [
        ({"good": "abc"}, "Enter a number"),
        ({"good": "-1"}, "greater than or equal to 0"),
        ({"good": "1.5"}, "KT-200"),
        ({"good": "1", "scrap_reason": "nonsense"}, "Select a valid choice"),
        ({}, "Count good or scrapped units"),
    ]:
        refused(tablet.post(url("tablet_count", machine.pk), data), text)
    refused(tablet.post(url("tablet_pause", machine.pk), {"reason": "xyz"}), "Pick a reason")
    refused(tablet.post(url("tablet_downtime", machine.pk)), "Pick a reason")
    refused(
        tablet.post(url("tablet_material", machine.pk), {"consume-lot": "NOPE", "consume-quantity": "1"}), "Unknown lot"
    )
    refused(tablet.post(url("tablet_backflush", machine.pk), {"backflush-quantity": "x"}), "Enter a number")
    refused(tablet.post(url("tablet_produce", machine.pk), {"quantity": "zz"}), "Enter a number")
    told(tablet.post(url("tablet_downtime_end", machine.pk), follow=True), "ASSY-1 is not down")
    assert ProductionEvent.objects.filter(kind=EventKind.COUNT).count() == 0
    assert StockMove.objects.filter(reference=order.number).count() == 0


def test_a_scanned_traveller_operation_opens_on_the_machine_screen(tablet, floor, clock):
    machine = on_machine(tablet, floor)
    order = floor.order("10")
    op10 = order.operations.get(seq=10)
    screen = url("tablet_machine", machine.pk)

    html = page(tablet.get(screen, {"operation": f"{order.number}/10"}))
    scanned = re.search(r'<article class="dispatch-row[^"]*dispatch-scanned"[^>]*id="dispatch-(\d+)"', html)
    assert scanned and int(scanned.group(1)) == op10.pk
    assert html.count(f'id="dispatch-{op10.pk}"') == 1  # above the list, not twice
    assert url("tablet_start", machine.pk, op10.pk) in html and value(html, "operation") == f"{order.number}/10"

    for code, text in [
        ("MO-2099-00001/10", "Unknown production order: MO-2099-00001"),
        (f"{order.number}/20", f"Operation 20 of {order.number} is for work center TEST, not for ASSY-1"),
        (f"{order.number}/7", f"Production order {order.number} has no operation 7"),
        ("hello", "hello is not an operation's barcode"),
    ]:
        html = refused(tablet.get(screen, {"operation": code}), text)
        assert value(html, "operation") is None and "dispatch-scanned" not in html  # the cursor waits for a rescan

    tablet.post(url("tablet_start", machine.pk, op10.pk))
    response = tablet.get(screen, {"operation": f"{order.number}/10"}, follow=True)
    assert f"Operation 10 of {order.number} is open on this machine" in page(response)
    assert response.redirect_chain == [(screen, 302)]
