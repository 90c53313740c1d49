"""The dispatch list: the published schedule's operations of a machine or work center in sequence, then
the ready ones it does not place, each with its materials' pick status, instructions and attachments."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aps.services.scheduling import schedule_create, schedule_publish, schedule_solve
from core.roles import Role
from erp.services.production import production_backflush
from mes.selectors.dispatch import PickStatus, dispatch_list, operation_by_code
from mes.services import execution as x
from plm.models import RoutingOperation
from plm.services.attachments import attachment_add
from tests.erp.test_production import new_order
from tests.mes.conftest import T0, at
from wms.services.picking import pick_confirm, pick_list_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def planned(floor):
    """Two orders scheduled on one assembly line (the other is out of service) and the test bench, and a
    third released after the schedule was published."""
    floor["assy2"].active = False
    floor["assy2"].save()
    first = floor.order("100", due_date=datetime.date(2026, 11, 30))
    second = floor.order("50")
    schedule = schedule_publish(schedule=schedule_solve(schedule=schedule_create(now=T0)))
    late = floor.order("20")
    floor["assy2"].active = True
    floor["assy2"].save()
    floor.update(first=first, second=second, late=late, schedule=schedule)
    return floor


def rows(entries) -> list[tuple[str, int, bool]]:
    return [(entry.order.number, entry.operation.seq, entry.scheduled) for entry in entries]


def test_a_machine_gets_the_schedules_sequence_then_the_ready_operations_it_does_not_place(planned):
    first, second, late = planned["first"].number, planned["second"].number, planned["late"].number
    assy1 = dispatch_list(machine=planned["assy1"])
    assert rows(assy1) == [(first, 10, True), (second, 10, True), (late, 10, False)]
    assert assy1[0].planned_start == T0 and assy1[0].planned_start < assy1[1].planned_start
    assert assy1[0].planned_end == assy1[1].planned_start  # back to back on one line
    assert (assy1[0].remaining, assy1[2].planned_start, assy1[2].planned_machine) == (100, None, None)
    # The other line of the work center gets only the unscheduled one; the bench its pending tests.
    assert rows(dispatch_list(machine=planned["assy2"])) == [(late, 10, False)]
    bench = dispatch_list(machine=planned["test1"])
    assert rows(bench) == [(first, 20, True), (second, 20, True)]
    assert not any(entry.ready for entry in bench)  # waiting for assembly
    # The work center's list is its machines' lists merged in time.
    assert rows(dispatch_list(work_center=planned["assembly"])) == rows(assy1)


def test_done_operations_leave_and_one_under_way_elsewhere_is_not_this_machines(planned):
    late = planned["late"].operations.get(seq=10)
    run = x.operation_start(operation=late, machine=planned["assy2"], at=at(0))
    x.operation_count(run=run, good_qty=5, at=at(1))
    assert planned["late"].number not in {entry.order.number for entry in dispatch_list(machine=planned["assy1"])}
    on_assy2 = dispatch_list(machine=planned["assy2"])
    assert rows(on_assy2) == [(planned["late"].number, 10, False)]
    assert on_assy2[0].remaining == 15  # counted on the run, not yet booked to ERP
    x.operation_complete(run=run, at=at(2))
    assert dispatch_list(machine=planned["assy2"]) == []
    first = planned["first"].operations.get(seq=10)
    run = x.operation_start(operation=first, machine=planned["assy1"], at=at(3))
    x.operation_count(run=run, good_qty=100, at=at(4))
    x.operation_complete(run=run, at=at(5))
    assert rows(dispatch_list(machine=planned["assy1"])) == [(planned["second"].number, 10, True)]
    # The bench: the first order's test can start, the second's waits; the late order's, ready, is last.
    bench = dispatch_list(machine=planned["test1"])
    assert [(*row, entry.ready) for row, entry in zip(rows(bench), bench, strict=True)] == [
        (planned["first"].number, 20, True, True),
        (planned["second"].number, 20, True, False),
        (planned["late"].number, 20, False, True),
    ]


def test_materials_show_how_far_the_warehouse_got(planned):
    first, second = dispatch_list(machine=planned["assy1"])[:2]
    statuses = {line.component.item.code: (line.required, line.reserved, line.status) for line in first.components}
    assert statuses == {
        "KT-BODY": (100, 100, PickStatus.RESERVED),
        "HE-2000": (103, 103, PickStatus.RESERVED),  # 2.5 % scrap allowance, whole units
        "DESCALER": (25, 25, PickStatus.RESERVED),  # 250 g each, kept in kg
    }
    # Stock for the first order only: the second is short of what the first holds.
    assert {line.component.item.code: line.status for line in second.components} == dict.fromkeys(
        ("KT-BODY", "HE-2000", "DESCALER"), PickStatus.SHORT
    )
    order = planned["first"]
    pick_list = pick_list_create(request=order.material_request)
    for line in pick_list.lines.filter(item__code="KT-BODY"):
        pick_confirm(line=line, location=line.from_location, quantity=line.quantity, lot=line.lot)
    body = dispatch_list(machine=planned["assy1"])[0].components[0]
    assert (body.component.item.code, body.picked, body.status) == ("KT-BODY", 100, PickStatus.PICKED)
    production_backflush(order=order, quantity=100)
    assert {line.status for line in dispatch_list(machine=planned["assy1"])[0].components} == {PickStatus.CONSUMED}


def test_instructions_and_the_routings_attachments_come_with_each_operation(planned, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    routing = planned["routing"]
    attachment_add(target=routing, upload=SimpleUploadedFile("kettle-routing.pdf", b"%PDF-1.4"), user=None)
    fitting = RoutingOperation.objects.get(routing=routing, seq=10)
    attachment_add(target=fitting, upload=SimpleUploadedFile("element-torque.pdf", b"%PDF-1.4"), user=None)
    assembly = dispatch_list(machine=planned["assy1"])[0]
    assert assembly.operation.instructions == "Fit the element"
    assert [a.name for a in assembly.attachments] == ["kettle-routing.pdf", "element-torque.pdf"]
    test = dispatch_list(machine=planned["test1"])[0]
    assert [a.name for a in test.attachments] == ["kettle-routing.pdf"]


def test_the_list_takes_a_few_queries_however_long(planned, django_assert_max_num_queries):
    for _ in range(6):
        planned.order("10")
    dispatch_list(work_center=planned["assembly"])  # content types cached
    with django_assert_max_num_queries(9):
        entries = dispatch_list(work_center=planned["assembly"])
    assert len(entries) == 9


def test_without_a_published_schedule_the_ready_operations_are_listed(floor):
    order = floor.order("10")
    assert rows(dispatch_list(machine=floor["assy1"])) == [(order.number, 10, False)]
    with pytest.raises(TypeError):
        dispatch_list()


def test_the_office_pages_list_a_work_center_and_a_machine(planned, client_as, django_assert_max_num_queries):
    client = client_as(Role.PLANNER)
    index = client.get(reverse("mes:dispatch"))
    assert index.status_code == 200 and "ASSY-1" in index.content.decode()
    with django_assert_max_num_queries(25):
        page = client.get(reverse("mes:dispatch_work_center", args=[planned["assembly"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        html.index(planned["first"].number) < html.index(planned["second"].number) < html.index(planned["late"].number)
    )
    assert "not scheduled" in html and "Fit the element" in html and "Reserved" in html
    machine_page = client.get(reverse("mes:dispatch_machine", args=[planned["test1"].pk]))
    assert machine_page.status_code == 200 and planned["late"].number not in machine_page.content.decode()
    assert client_as(Role.PARTNER).get(reverse("mes:dispatch")).status_code == 403


def test_the_office_reads_runs_and_their_events(floor, client_as, django_assert_max_num_queries):
    for quantity in ("10", "20", "30"):
        run = x.operation_start(operation=floor.order(quantity).operations.get(seq=10), machine=floor["assy1"])
        x.operation_count(run=run, good_qty=2, scrap_qty=1, scrap_reason=floor.scrap())
        x.operation_complete(run=run)
    client = client_as(Role.QUALITY)
    with django_assert_max_num_queries(12):
        runs = client.get(reverse("mes:operationrun_list"))
    assert runs.status_code == 200 and len(re.findall(r'href="/mes/operation-runs/\d+/"', runs.content.decode())) == 3
    with django_assert_max_num_queries(12):
        events = client.get(reverse("mes:productionevent_list"), {"kind": "count", "machine": "ASSY-1"})
    assert events.status_code == 200 and events.content.decode().count("DENT") == 3
    detail = client.get(reverse("mes:operationrun_detail", args=[run.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "Production events" in html
    # Its start, count and completion; not the other runs' events.
    assert len(re.findall(r'href="/mes/production-events/\d+/"', html)) == 3
    assert client.get(reverse("mes:productionevent_list"), {"machine": "NOPE"}).status_code == 200


def scan_refused(code: str, machine) -> str:
    """The reason (its code) a scanned operation barcode cannot run on the machine."""
    with pytest.raises(ValidationError) as refused:
        operation_by_code(code=code, machine=machine)
    return refused.value.code


def test_a_travellers_operation_barcode_names_the_operation_or_why_it_cannot_run_here(floor):
    order = floor.order("10")
    number, op10 = order.number, order.operations.get(seq=10)
    assy1, assy2, test1 = floor["assy1"], floor["assy2"], floor["test1"]
    assert operation_by_code(code=f"{number}/10", machine=assy1) == op10
    assert operation_by_code(code=f" {number.lower()}/10 ", machine=assy2) == op10  # as a scanner may type it

    for garbage in ("", "KT-200", f"{number}/", "/10", f"{number}/ten", f"{number}-10"):
        assert scan_refused(garbage, assy1) == "malformed", garbage
    assert scan_refused("MO-2099-99999/10", assy1) == "unknown_order"
    assert scan_refused(f"{new_order(floor).number}/10", assy1) == "not_released"  # planned, not on the floor
    assert scan_refused(f"{number}/99", assy1) == "unknown_operation"
    assert scan_refused(f"{number}/20", assy1) == "other_work_center"  # op 20 is the test bench's
    assert scan_refused(f"{number}/20", test1) == "not_ready"  # op 10 is not finished

    run = x.operation_start(operation=op10, machine=assy2, at=at(0))
    assert scan_refused(f"{number}/10", assy1) == "open_elsewhere"
    assert operation_by_code(code=f"{number}/10", machine=assy2) == op10  # what runs here
    x.operation_count(run=run, good_qty=10, at=at(1))
    x.operation_complete(run=run, at=at(2))
    assert scan_refused(f"{number}/10", assy2) == "done"
    assert operation_by_code(code=f"{number}/20", machine=test1) == order.operations.get(seq=20)
