"""The maintenance screens: an engineer makes and edits a plan and orders it; an operator raises a request;
the order's page plans, starts, ticks, issues, books and finishes through the services (a refusal is a
message and changes nothing); roles that may not are refused; the reliability page shows MTBF and MTTR."""

import pytest
from django.urls import reverse

from core.roles import Role
from mes.choices import MaintenanceState
from mes.models import MaintenanceOrder, MaintenancePlan
from mes.services import execution as x
from tests.mes.conftest import at, messages_of, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shift_clock")]


PLAN = {
    "machine": "ASSY-1",
    "name": "Weekly check",
    "trigger": "calendar",
    "interval": "7",
    "duration_minutes": "45",
    "tasks": "Check the belt\nClean the sensors",
    "active": "on",
}


def test_an_engineer_makes_edits_and_orders_a_plan(client_as, floor, django_assert_max_num_queries):
    client = client_as(Role.ENGINEER)
    refused = client.post(reverse("mes:maintenanceplan_add"), {**PLAN, "machine": "NOPE", "interval": "0"})
    html = page(refused)
    assert "There is no machine NOPE." in html and "greater than or equal to 0.01" in html
    response = client.post(reverse("mes:maintenanceplan_add"), PLAN, follow=True)
    plan = MaintenancePlan.objects.get()
    assert response.redirect_chain[-1][0] == plan.get_absolute_url()
    assert "Used since last done" in page(response) and "Clean the sensors" in page(response)

    edited = client.post(
        reverse("mes:maintenanceplan_edit", args=[plan.pk]),
        {**PLAN, "machine": "ASSY-2", "interval": "14"},
        follow=True,
    )
    plan.refresh_from_db()
    assert (plan.interval, plan.machine.code) == (14, "ASSY-1")  # the machine stays
    assert "Order now" in page(edited)

    ordered = client.post(reverse("mes:maintenanceplan_command", args=[plan.pk, "order"]), follow=True)
    order = MaintenanceOrder.objects.get()
    assert (order.state, order.plan) == (MaintenanceState.PLANNED, plan)
    assert f"{order.number} is planned for" in messages_of(ordered)[0]
    with django_assert_max_num_queries(12):
        listed = page(client.get(reverse("mes:maintenanceplan_list")))
    assert "Weekly check" in listed


def test_an_order_is_requested_planned_worked_and_finished_on_its_page(
    client_as, floor, item, receive, bin_, django_assert_max_num_queries
):
    belt = item("BELT-5")
    receive(belt, 5, bin_("B-01"))
    operator = client_as(Role.OPERATOR)
    response = operator.post(
        reverse("mes:maintenanceorder_add"), {"machine": "ASSY-1", "description": "Belt slips"}, follow=True
    )
    order = MaintenanceOrder.objects.get()
    assert order.state == MaintenanceState.REQUESTED and "maintenance will plan it" in messages_of(response)[0]
    html = page(response)
    assert "Start work" not in html and 'id="form-plan"' not in html  # the crew plans and runs it
    started = operator.post(reverse("mes:maintenanceorder_command", args=[order.pk, "start"]), follow=True)
    assert messages_of(started) == ["Your role cannot do this."]

    engineer = client_as(Role.ENGINEER)
    detail = order.get_absolute_url()
    bad = engineer.post(
        reverse("mes:maintenanceorder_plan", args=[order.pk]),
        {"plan-planned_start": "2026-11-24T08:00", "plan-planned_end": "2026-11-24T07:00"},
        follow=True,
    )
    assert messages_of(bad) == ["The work must end after it starts."]
    engineer.post(
        reverse("mes:maintenanceorder_plan", args=[order.pk]),
        {"plan-planned_start": "2026-11-24T08:00", "plan-planned_end": "2026-11-24T09:00"},
    )
    engineer.post(reverse("mes:maintenanceorder_task", args=[order.pk]), {"task-description": "Replace the belt"})
    engineer.post(reverse("mes:maintenanceorder_command", args=[order.pk, "start"]))
    order.refresh_from_db()
    assert (order.state, order.machine_window.start) == (MaintenanceState.IN_PROGRESS, at(600))

    too_many = engineer.post(
        reverse("mes:maintenanceorder_part", args=[order.pk]),
        {"part-item": "BELT-5", "part-quantity": "9", "part-location": "MAIN/STOCK/B-01"},
        follow=True,
    )
    assert "Only 5 ea of BELT-5 can be taken from MAIN/STOCK/B-01" in messages_of(too_many)[-1]
    engineer.post(
        reverse("mes:maintenanceorder_part", args=[order.pk]),
        {"part-item": "BELT-5", "part-quantity": "1", "part-location": "MAIN/STOCK/B-01"},
    )
    engineer.post(
        reverse("mes:maintenanceorder_labor", args=[order.pk]),
        {"labor-employee": floor["B-1001"].pk, "labor-minutes": "40"},
    )
    refused = engineer.post(reverse("mes:maintenanceorder_command", args=[order.pk, "finish"]), follow=True)
    assert messages_of(refused)[-1] == "Tick off tasks 1 first."
    task = order.tasks.get()
    engineer.post(reverse("mes:maintenancetask_tick", args=[order.pk, task.pk]), {"done": "1"})
    finished = engineer.post(reverse("mes:maintenanceorder_command", args=[order.pk, "finish"]), follow=True)
    assert messages_of(finished)[-1] == "Done: the machine is back in service."
    html = page(engineer.get(detail))
    assert "BELT-5" in html and "Li Wei" in html and "0.67" in html  # 40 minutes
    order.refresh_from_db()
    assert order.state == MaintenanceState.DONE and order.parts.count() == 1
    with django_assert_max_num_queries(12):
        listed = page(engineer.get(reverse("mes:maintenanceorder_list"), {"state": "done"}))
    assert order.number in listed and "Belt slips" in listed


def test_roles_that_may_not_are_refused(client_as, floor):
    assert client_as(Role.FINANCE).get(reverse("mes:maintenanceorder_list")).status_code == 403
    planner = client_as(Role.PLANNER)
    assert planner.get(reverse("mes:maintenanceplan_list")).status_code == 200
    assert planner.get(reverse("mes:maintenanceplan_add")).status_code == 403
    assert planner.post(reverse("mes:maintenanceplan_add"), PLAN).status_code == 403
    assert not MaintenancePlan.objects.exists()


def test_the_reliability_page_shows_mtbf_and_mttr_per_machine(client_as, floor):
    machine = floor["test1"]
    x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(100))
    x.downtime_end(machine=machine, at=at(124))
    client = client_as(Role.OPERATOR)
    html = page(client.get(reverse("mes:maintenance_reliability")))
    row = html.split("TEST-1")[1].split("</tr>")[0]
    assert "24" in row and "Breakdowns: <strong>1</strong>" in html
    empty = page(
        client.get(reverse("mes:maintenance_reliability"), {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    )
    assert "The period must start before it ends." in empty
    assert client_as(Role.FINANCE).get(reverse("mes:maintenance_reliability")).status_code == 403
