"""The scheduling screens over schedules the real solver made: the list and Schedule now, a schedule's page
with its buttons and what-if forms, the comparison, the Gantt's data and its drag endpoint, and the plant's
scheduling data (settings, changeovers, real downtime); who sees them and who may change them."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aps.choices import FixedReason, MachineWindowKind, ScheduleState
from aps.models import Changeover, MachineWindow, Schedule, ScheduleJob, ScheduleOperation, SchedulingSettings
from aps.selectors.gantt import gantt_data
from aps.services.scheduling import scenario_create
from aps.tasks import schedule_solve_task
from core.models import Machine, TaskRun
from core.roles import Role
from core.services import progress
from plm.choices import RevisionState
from plm.models import RoutingOperation, RoutingRevision
from tests.aps.scheduling_plant import NOW, assert_valid, at

pytestmark = pytest.mark.django_db

DAY = NOW.date()


@pytest.fixture
def queued(monkeypatch):
    """Runs handed to the broker, instead of a real one."""
    sent = []
    monkeypatch.setattr(progress.current_app, "send_task", lambda name, kwargs, **options: sent.append((name, kwargs)))
    return sent


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


class Plant:
    """Two work centers on a two-shift calendar: SAW (two machines, a changeover between the families)
    and DRILL (one machine, down for two hours on Monday); a red and a blue order through both."""

    def __init__(self, shop):
        calendar = shop.calendar()  # 06:00-22:00 on weekdays
        self.saw = shop.work_center("SAW", machines=2, calendar=calendar)
        self.drill = shop.work_center("DRILL", calendar=calendar)
        self.red, self.blue = shop.item("RED", "RED"), shop.item("BLUE", "BLUE")
        Changeover.objects.create(
            work_center=self.saw, from_family=self.red.category, to_family=self.blue.category, minutes=30
        )
        due = DAY + datetime.timedelta(days=2)
        self.orders = [
            shop.order(self.red, 10, due, [(self.saw, 6, 20), (self.drill, 3)]),
            shop.order(self.blue, 10, due, [(self.saw, 6, 20), (self.drill, 3)]),
        ]
        self.drill_machine = self.drill.machines.get()
        self.down = MachineWindow.objects.create(
            machine=self.drill_machine, start=at(60), end=at(180), reason="Spindle service"
        )
        self.shop = shop
        self.schedule = shop.solve(frozen_until=NOW)


@pytest.fixture
def plant(shop):
    return Plant(shop)


def routing(item, work_center, minutes="2"):
    revision = RoutingRevision.objects.create(item=item, revision="A", state=RevisionState.RELEASED)
    RoutingOperation.objects.create(
        routing=revision, seq=10, name="Cut", work_center=work_center, run_minutes_per_unit=Decimal(minutes)
    )
    return revision


def pages(plant) -> list[str]:
    schedule = plant.schedule
    return [
        reverse("aps:schedule_list"),
        reverse("aps:schedule_detail", args=[schedule.pk]),
        reverse("aps:schedule_gantt", args=[schedule.pk]),
        reverse("aps:schedule_gantt_data", args=[schedule.pk]),
        f"{reverse('aps:schedule_compare')}?ids={schedule.pk}&ids={schedule.pk}",
        reverse("aps:changeover_list"),
        reverse("aps:changeover_matrix", args=[plant.saw.pk]),
        reverse("aps:machinewindow_list"),
    ]


# --- Who sees what --------------------------------------------------------------------------------------------


def test_every_page_renders_for_a_planner(client_as, plant):
    client = client_as(Role.PLANNER)
    scenario = scenario_create(based_on=plant.schedule, name="Rush")
    for url in [
        *pages(plant),
        reverse("aps:schedule_detail", args=[scenario.pk]),
        reverse("aps:schedule_scenario", args=[plant.schedule.pk]),
        reverse("aps:schedule_whatif_order", args=[scenario.pk]),
        reverse("aps:schedule_machine_window", args=[scenario.pk]),
        reverse("aps:schedulingsettings_edit"),
        f"{reverse('aps:machinewindow_list')}?past=1",
    ]:
        assert client.get(url).status_code == 200, url
    home = page(client.get(reverse("home")))
    assert reverse("aps:schedule_list") in home and reverse("aps:schedulingsettings_edit") in home


def test_the_office_and_operators_read_but_change_nothing(client_as, plant, queued):
    buyer = client_as(Role.BUYER)
    for url in pages(plant):
        assert buyer.get(url).status_code == 200, url
    html = page(buyer.get(reverse("aps:schedule_list")))
    assert 'id="schedule-now"' not in html
    detail = page(buyer.get(plant.schedule.get_absolute_url()))
    assert "data-command=" not in detail and 'id="new-scenario"' not in detail
    assert buyer.get(reverse("aps:schedulingsettings_edit")).status_code == 403
    assert buyer.post(reverse("aps:machinewindow_list"), {}).status_code == 403
    refused = buyer.post(reverse("aps:schedule_now"), follow=True)
    assert "Your role cannot do this." in messages_of(refused)
    op = ScheduleOperation.objects.filter(job__schedule=plant.schedule).first()
    move = buyer.post(
        reverse("aps:scheduleoperation_move", args=[op.pk]),
        json.dumps({"machine": op.machine_id, "start": at(600).isoformat()}),
        content_type="application/json",
    )
    assert move.status_code == 403 and move.json() == {"errors": ["Your role cannot do this."]}
    assert not TaskRun.objects.exists() and queued == []

    # Operators read the schedules (the published one is their dispatch list), not the plant's scheduling data.
    operator = client_as(Role.OPERATOR)
    schedule_pages, data_pages = pages(plant)[:5], pages(plant)[5:]
    for url in schedule_pages:
        assert operator.get(url).status_code == 200, url
    for url in data_pages:
        assert operator.get(url).status_code == 403, url
    assert operator.get(reverse("aps:schedule_gantt_data", args=[plant.schedule.pk])).json()["can_move"] is False
    partner, anonymous = client_as(Role.PARTNER), Client()
    for url in pages(plant):
        assert partner.get(url).status_code == 403, url
        assert anonymous.get(url).status_code == 302, url


# --- The list and Schedule now ------------------------------------------------------------------------------------


def test_the_list_shows_the_kpis_and_highlights_the_published_schedule(client_as, plant):
    client = client_as(Role.PLANNER)
    client.post(reverse("aps:schedule_command", args=[plant.schedule.pk, "publish"]))
    other = Schedule.objects.create(name="Old draft", horizon_start=NOW, frozen_until=NOW)

    html = page(client.get(reverse("aps:schedule_list")))

    published_row = html.split('data-published="true"')[1].split("</tr>")[0]
    assert plant.schedule.name in published_row and 'data-state="published"' in published_row
    assert html.count('data-published="true"') == 1 and other.name in html
    assert f'name="ids" value="{other.pk}"' in html  # ticks to compare
    published = html.split('id="published-schedule"')[1].split('id="schedule-now"')[0]
    assert 'data-figure="tardy-orders">0<' in published
    assert reverse("aps:schedule_gantt", args=[plant.schedule.pk]) in published


def test_schedule_now_queues_the_solving_and_shows_its_progress(
    client_as, plant, queued, django_capture_on_commit_callbacks
):
    client = client_as(Role.PLANNER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("aps:schedule_now"),
            {"name": "Monday", "full_replan": "on", "publish": "on"},
            follow=True,
        )
    schedule = Schedule.objects.get(name="Monday")
    run = TaskRun.objects.get()
    assert queued == [("aps.tasks.schedule_solve", {"run_id": str(run.pk)})]
    assert response.redirect_chain[-1][0] == run.get_absolute_url()
    assert 'id="run-progress"' in page(response)
    assert run.params == {"schedule": schedule.pk, "publish": True}
    assert schedule.full_replan and schedule.task_run == run and schedule.jobs.count() == 2
    assert schedule.created_by.username.startswith("planner")
    # The list shows it under way until the worker is done.
    assert f'data-under-way="{schedule.pk}"' in page(client.get(reverse("aps:schedule_list")))

    schedule_solve_task(str(run.pk))  # what the worker does with the message

    schedule.refresh_from_db()
    assert schedule.state == ScheduleState.PUBLISHED and schedule.tardy_orders == 0
    assert 'data-under-way="' not in page(client.get(reverse("aps:schedule_list")))


# --- A schedule's page, its buttons and what-ifs ------------------------------------------------------------------


def test_the_page_shows_kpis_jobs_and_machine_loads(client_as, plant):
    plant.schedule.reason = "DRILL-1 broke down"
    plant.schedule.save()
    html = page(client_as(Role.PLANNER).get(plant.schedule.get_absolute_url()))

    assert 'data-figure="tardy-orders">0<' in html and "DRILL-1 broke down" in html
    jobs = html.split('id="schedule-jobs"')[1].split("</table>")[0]
    for order in plant.orders:
        assert f'href="{order.get_absolute_url()}">{order.number}</a>' in jobs
    loads = html.split('id="machine-loads"')[1].split("</table>")[0]
    assert "SAW-1" in loads and "SAW-2" in loads and "DRILL-1" in loads
    assert 'data-command="publish"' in html and 'data-command="solve"' not in html  # solved, not a scenario
    assert reverse("aps:schedule_gantt", args=[plant.schedule.pk]) in html
    assert 'id="what-if-order"' not in html  # what-ifs go into scenarios


def test_publish_and_a_refusal_shown_as_a_message(client_as, plant):
    client = client_as(Role.PLANNER)
    url = reverse("aps:schedule_command", args=[plant.schedule.pk, "publish"])
    published = client.post(url, follow=True)
    assert "the shop floor works to it now" in messages_of(published)[0]
    plant.schedule.refresh_from_db()
    assert plant.schedule.state == ScheduleState.PUBLISHED and plant.schedule.published_by is not None

    again = client.post(url, follow=True)
    assert messages_of(again) == ["Only a solved schedule can be published."]


def test_a_scenario_is_made_changed_by_its_forms_and_solved(client_as, plant, queued):
    client = client_as(Role.PLANNER)
    made = client.post(reverse("aps:schedule_scenario", args=[plant.schedule.pk]), {"name": "Rush order"}, follow=True)
    scenario = Schedule.objects.get(name="Rush order")
    assert made.redirect_chain[-1][0] == scenario.get_absolute_url()
    assert scenario.is_scenario and scenario.based_on == plant.schedule and scenario.jobs.count() == 2
    html = page(made)
    assert 'id="what-if-order"' in html and 'id="what-if-window"' in html and 'data-command="solve"' in html

    # A what-if order: an item with a routing on SAW.
    rush = plant.shop.item("RUSH", "RED")
    routing(rush, plant.saw)
    added = client.post(
        reverse("aps:schedule_whatif_order", args=[scenario.pk]),
        {"item": "RUSH", "quantity": "5", "due_date": DAY.isoformat(), "weight": "50"},
        follow=True,
    )
    job = ScheduleJob.objects.get(schedule=scenario, reference="WHATIF-1")
    assert (job.item, job.quantity, job.weight) == (rush, Decimal(5), 50)
    assert "Added the what-if order WHATIF-1" in messages_of(added)[0]
    assert job.operations.get().work_center == plant.saw
    scenario.refresh_from_db()
    assert scenario.state == ScheduleState.DRAFT

    # The service's refusal lands on the form, which is shown again with what was typed.
    plant.shop.item("NOROUTE")
    refused = client.post(
        reverse("aps:schedule_whatif_order", args=[scenario.pk]),
        {"item": "NOROUTE", "quantity": "5", "due_date": DAY.isoformat(), "weight": "1"},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["item"] == [f"NOROUTE has no released routing on {DAY}."]
    assert ScheduleJob.objects.filter(schedule=scenario).count() == 3

    # A machine down in the scenario only.
    window = client.post(
        reverse("aps:schedule_machine_window", args=[scenario.pk]),
        {
            "machine": plant.saw.machines.first().pk,
            "kind": MachineWindowKind.DOWN,
            "start": "2026-11-24T06:00",
            "end": "2026-11-24T14:00",
            "reason": "Blade change",
        },
        follow=True,
    )
    assert "solve the scenario" in messages_of(window)[0]
    created = MachineWindow.objects.get(reason="Blade change")
    assert created.schedule == scenario and created.end - created.start == datetime.timedelta(hours=8)
    assert "Blade change" in page(window).split('id="scenario-windows"')[1]
    backwards = client.post(
        reverse("aps:schedule_machine_window", args=[scenario.pk]),
        {
            "machine": plant.saw.machines.first().pk,
            "kind": "down",
            "start": "2026-11-24T14:00",
            "end": "2026-11-24T06:00",
        },
    )
    assert backwards.context["form"].errors["end"] == ["The window must end after it starts."]

    # Solve: queued as a task run, shown on the scenario's page while it runs.
    solving = client.post(reverse("aps:schedule_command", args=[scenario.pk, "solve"]), follow=True)
    assert "Solving Rush order" in messages_of(solving)[0]
    run = TaskRun.objects.get()
    assert run.params == {"schedule": scenario.pk, "publish": False}
    html = page(solving)
    assert 'id="schedule-task"' in html and 'data-command="solve"' not in html


def test_what_ifs_are_refused_outside_a_scenario(client_as, plant):
    client = client_as(Role.PLANNER)
    routing(plant.red, plant.saw)
    refused = client.post(
        reverse("aps:schedule_whatif_order", args=[plant.schedule.pk]),
        {"item": "RED", "quantity": "1", "due_date": DAY.isoformat(), "weight": "1"},
    )
    assert refused.context["form"].non_field_errors() == ["Only a scenario that is not published yet can be changed."]
    assert not ScheduleJob.objects.filter(reference__startswith="WHATIF").exists()


# --- Comparing ------------------------------------------------------------------------------------------------------


def test_compare_puts_the_kpis_side_by_side_and_marks_the_best(client_as, plant):
    scenario = scenario_create(based_on=plant.schedule, name="Slower")
    Schedule.objects.filter(pk=scenario.pk).update(
        state=ScheduleState.SOLVED, tardy_orders=2, weighted_tardiness=300, makespan_minutes=600, setup_minutes=10
    )
    Schedule.objects.filter(pk=plant.schedule.pk).update(setup_minutes=40)
    url = f"{reverse('aps:schedule_compare')}?ids={plant.schedule.pk}&ids={scenario.pk}"

    html = page(client_as(Role.PLANNER).get(url))

    table = html.split('id="compare"')[1].split("</table>")[0]
    rows = {
        row.split("</th>")[0].split(">")[-1]: row.split("</th>", 1)[1].split("</td>")[:2]
        for row in table.split("<tr>")[2:]
    }
    tardy, setup = rows["Tardy orders"], rows["Total setup (min)"]
    assert 'data-best="true"' in tardy[0] and 'data-best="true"' not in tardy[1]  # 0 tardy beats 2
    assert 'data-best="true"' not in setup[0] and 'data-best="true"' in setup[1]  # 10 min beats 40
    assert any(label.startswith("Utilization % of SAW-1") for label in rows)
    # Both copies have the same placements: an equal utilization marks neither.
    assert all('data-best="true"' not in cell for cell in rows["Utilization % of DRILL-1"])


def test_compare_needs_two_schedules(client_as, plant):
    html = page(client_as(Role.PLANNER).get(f"{reverse('aps:schedule_compare')}?ids={plant.schedule.pk}"))
    assert "Tick two or more schedules to compare." in html.split('id="compare-errors"')[1]


# --- The Gantt ------------------------------------------------------------------------------------------------------


def test_the_gantt_page_loads_its_script_and_data_url(client_as, plant):
    html = page(client_as(Role.PLANNER).get(reverse("aps:schedule_gantt", args=[plant.schedule.pk])))
    assert f'data-url="{reverse("aps:schedule_gantt_data", args=[plant.schedule.pk])}"' in html
    assert 'src="/static/js/gantt.js"' in html and "data-csrf-token=" in html
    assert "<script>" not in html  # no inline script
    labels = html.split('data-labels="')[1].split('"')[0].replace("&quot;", '"')
    assert json.loads(labels)["otherWorkCenter"].startswith("An operation moves only")


def test_the_gantt_data_has_machines_bars_calendars_downtime_and_daily_load(client_as, plant):
    data = client_as(Role.PLANNER).get(reverse("aps:schedule_gantt_data", args=[plant.schedule.pk])).json()

    assert data["schedule"]["id"] == plant.schedule.pk and data["can_move"] is True
    assert data["origin"] == NOW.isoformat() and data["frozen_until"] == 0
    assert data["start"] == -360  # from midnight of the first day
    # A week at least, from the first day's midnight: room to drag work later.
    assert [day["date"] for day in data["days"]] == [f"2026-11-{day}" for day in range(23, 30)]
    assert [(wc["code"], [m["code"] for m in wc["machines"]]) for wc in data["work_centers"]] == [
        ("DRILL", ["DRILL-1"]),
        ("SAW", ["SAW-1", "SAW-2"]),
    ]
    drill = data["work_centers"][0]["machines"][0]
    # Not working from 22:00 to 06:00 (minutes from Monday 06:00), and down from 07:00 to 09:00.
    assert [960, 1440] in drill["off"]
    assert drill["down"] == [
        {"start": 60, "end": 180, "reason": "Spindle service", "scenario": False, "text": drill["down"][0]["text"]}
    ]
    assert drill["load"][0] == {"date": "2026-11-23", "busy": 60, "available": 840, "pct": 7}

    assert len(data["operations"]) == 4 and data["unplaced"] == 0
    saw_ops = sorted((op for op in data["operations"] if op["work_center"] == plant.saw.pk), key=lambda op: op["id"])
    first = saw_ops[0]
    assert first["end"] - first["start"] == first["setup"] + first["run"]
    assert first["setup_end"] == first["start"] + first["setup"] and first["setup"] == 20
    assert first["fixed"] == "free" and first["movable"] is True
    assert first["move_url"] == reverse("aps:scheduleoperation_move", args=[first["id"]])
    jobs = {job["id"]: job for job in data["jobs"]}
    job = jobs[first["job"]]
    assert job["reference"] == plant.orders[0].number and job["url"] == plant.orders[0].get_absolute_url()
    assert job["item"] == "RED" and job["late"] == 0 and job["quantity"] == "10"
    drill_ops = [op for op in data["operations"] if op["machine"] == drill["id"]]
    assert all(op["start"] >= 180 or op["end"] <= 60 for op in drill_ops)  # not while it is down


def test_the_gantt_still_draws_a_schedule_whose_work_center_lost_its_machines(client_as, plant):
    Machine.objects.filter(work_center=plant.drill).update(active=False)

    data = client_as(Role.PLANNER).get(reverse("aps:schedule_gantt_data", args=[plant.schedule.pk])).json()

    assert data["warnings"] == ["Work centers without an active machine cannot be scheduled: DRILL."]
    drill = data["work_centers"][0]["machines"][0]
    assert (drill["code"], drill["active"], drill["off"]) == ("DRILL-1", False, [])
    assert len(data["operations"]) == 4


def test_the_gantt_data_reads_a_fixed_number_of_queries(client_as, plant, django_assert_num_queries):
    # The schedule as the solver sees it (operations, work centers, machines, their calendars' shifts, machine
    # windows, changeovers, and each calendar's exceptions: 1), then the machines drawn and their downtime.
    with django_assert_num_queries(6 + 1 + 2):
        gantt_data(schedule=plant.schedule)
    client = client_as(Role.PLANNER)
    url = reverse("aps:schedule_gantt_data", args=[plant.schedule.pk])
    client.get(url)  # the session and the user's permissions, cached from here on
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    for _ in range(6):
        plant.shop.order(plant.blue, 5, DAY + datetime.timedelta(days=3), [(plant.saw, 6, 20), (plant.drill, 3)])
    bigger = plant.shop.solve(frozen_until=NOW)
    assert ScheduleOperation.objects.filter(job__schedule=bigger).count() == 16

    with django_assert_num_queries(6 + 1 + 2):
        gantt_data(schedule=bigger)
    with django_assert_num_queries(len(small)):
        assert client.get(reverse("aps:schedule_gantt_data", args=[bigger.pk])).status_code == 200


@pytest.fixture
def cell(shop):
    """Two orders of one 2-hour operation on CELL's two machines, side by side from now; nothing frozen."""
    center = shop.work_center("CELL", machines=2)
    other = shop.work_center("PAINT")
    item = shop.item("HOUSING")
    due = DAY + datetime.timedelta(days=3)
    first, second = shop.order(item, 1, due, [(center, 120)]), shop.order(item, 1, due, [(center, 120)])
    schedule = shop.solve(frozen_until=NOW)
    a = ScheduleOperation.objects.get(operation__order=first)
    b = ScheduleOperation.objects.get(operation__order=second)
    return {"schedule": schedule, "a": a, "b": b, "center": center, "paint": other.machines.get()}


def move(client, op, machine, start):
    return client.post(
        reverse("aps:scheduleoperation_move", args=[op.pk]),
        json.dumps({"machine": machine.pk, "start": start.isoformat()}),
        content_type="application/json",
    )


def test_a_drop_on_the_gantt_moves_the_operation_and_returns_the_new_chart(client_as, cell):
    a, b = cell["a"], cell["b"]
    other_machine = cell["center"].machines.exclude(pk=a.machine_id).get()
    assert b.machine == other_machine  # side by side

    response = move(client_as(Role.PLANNER), a, other_machine, at(300))

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["message"] == f"{a.job.reference} op {a.seq} now starts on {other_machine.code} at 2026-11-23 11:00."
    moved = next(op for op in data["operations"] if op["id"] == a.pk)
    assert (moved["machine"], moved["start"], moved["end"], moved["fixed"]) == (other_machine.pk, 300, 420, "pinned")
    a.refresh_from_db()
    assert (a.machine, a.start, a.fixed) == (other_machine, at(300), FixedReason.PINNED)
    assert_valid(cell["schedule"])

    # Pinned where the planner put it, and moved again by the planner.
    again = move(client_as(Role.PLANNER), a, other_machine, at(360))
    assert again.status_code == 200, again.content
    a.refresh_from_db()
    assert (a.start, a.fixed) == (at(360), FixedReason.PINNED)
    assert_valid(cell["schedule"])


def test_a_drop_that_breaks_a_rule_is_refused_with_the_reason(client_as, cell):
    client = client_as(Role.PLANNER)
    a, b = cell["a"], cell["b"]

    overlap = move(client, a, b.machine, b.start + datetime.timedelta(minutes=30))

    assert overlap.status_code == 400
    (reason,) = overlap.json()["errors"]
    assert reason.startswith(f"{a.job.reference} op {a.seq} starts on {b.machine.code} at 2026-11-23 06:30, while")
    wrong_center = move(client, a, cell["paint"], at(300))
    assert wrong_center.status_code == 400
    assert wrong_center.json()["errors"] == [f"{cell['paint'].code} is not an active machine of work center CELL."]
    garbled = client.post(
        reverse("aps:scheduleoperation_move", args=[a.pk]), "not json", content_type="application/json"
    )
    assert garbled.status_code == 400 and garbled.json() == {"errors": ["Send the machine and the start time."]}
    unknown = client.post(
        reverse("aps:scheduleoperation_move", args=[a.pk]),
        json.dumps({"machine": 0, "start": at(300).isoformat()}),
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json() == {"errors": ["There is no such machine."]}
    a_before = (a.machine_id, a.start, a.fixed)
    a.refresh_from_db()
    assert (a.machine_id, a.start, a.fixed) == a_before


def test_a_drop_is_refused_when_it_breaks_the_plan_of_the_operation_left_behind(client_as, shop):
    """Moving X off CELL-1 makes B the first there: B needs its own setup again, so it ends later than its
    next operation starts. The drop is refused with that reason, though X's own rules all hold."""
    cell, paint = shop.work_center("CELL", machines=2), shop.work_center("PAINT")
    red = shop.item("RED", "RED")
    Changeover.objects.create(work_center=cell, from_family=red.category, to_family=red.category, minutes=0)
    due = DAY + datetime.timedelta(days=5)
    x_order, b_order = shop.order(red, 1, due, [(cell, 60, 30)]), shop.order(red, 1, due, [(cell, 60, 30), (paint, 10)])
    schedule = shop.solve(frozen_until=NOW)
    first, second = cell.machines.order_by("code")
    x = ScheduleOperation.objects.get(operation__order=x_order)
    b, after_b = ScheduleOperation.objects.filter(operation__order=b_order).order_by("seq")
    # X then B on CELL-1 (B without setup after X, of its family), B's painting right after it.
    for op, machine, start, end, setup in [(x, first, 0, 90, 30), (b, first, 90, 150, 0), (after_b, None, 150, 160, 0)]:
        machine = machine or paint.machines.get()
        ScheduleOperation.objects.filter(pk=op.pk).update(
            machine=machine, start=at(start), end=at(end), applied_setup_minutes=setup
        )
    assert_valid(schedule)

    response = move(client_as(Role.PLANNER), x, second, at(0))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        f"{b_order.number} op 20 starts at 2026-11-23 08:30, before its predecessor {b_order.number} op 10 ends at "
        "2026-11-23 09:00"
    ]
    assert_valid(schedule)


def test_a_drop_inside_the_frozen_horizon_is_refused(client_as, cell):
    Schedule.objects.filter(pk=cell["schedule"].pk).update(frozen_until=at(480))
    response = move(client_as(Role.PLANNER), cell["a"], cell["a"].machine, at(600))
    assert response.status_code == 400
    assert response.json()["errors"] == ["Nothing moves inside the frozen horizon (until 2026-11-23 14:00)."]
    data = client_as(Role.PLANNER).get(reverse("aps:schedule_gantt_data", args=[cell["schedule"].pk])).json()
    assert {op["movable"] for op in data["operations"]} == {False}


# --- The plant's scheduling data ------------------------------------------------------------------------------------


def test_planners_edit_the_scheduling_settings(client_as):
    client = client_as(Role.PLANNER)
    url = reverse("aps:schedulingsettings_edit")
    form = page(client.get(url))
    assert 'name="frozen_hours"' in form
    fields = {
        "frozen_hours": "4",
        "horizon_days": "14",
        "time_limit_seconds": "30",
        "tardiness_weight": "100",
        "makespan_weight": "1",
        "setup_weight": "5",
        "include_planned_orders": "on",
    }
    saved = client.post(url, fields, follow=True)
    assert "Saved the scheduling settings" in messages_of(saved)[0]
    settings = SchedulingSettings.load()
    assert (settings.frozen_hours, settings.horizon_days, settings.include_planned_orders) == (4, 14, True)
    refused = client.post(url, {**fields, "horizon_days": "400"})
    assert refused.status_code == 200 and "horizon_days" in refused.context["form"].errors
    # The next Schedule now form starts with the planned orders ticked.
    now_form = page(client.get(reverse("aps:schedule_list"))).split('id="schedule-now"')[1]
    assert 'name="include_planned" class="form-check-input" id="id_include_planned" checked' in now_form


def test_a_work_centers_changeover_matrix_gets_and_loses_rows(client_as, plant):
    client = client_as(Role.PLANNER)
    url = reverse("aps:changeover_matrix", args=[plant.saw.pk])
    assert f'href="{url}">SAW</a>' in page(client.get(reverse("aps:changeover_list")))

    added = client.post(url, {"from_family": plant.blue.category.pk, "to_family": plant.red.category.pk, "minutes": 45})
    assert added.status_code == 302
    row = Changeover.objects.get(work_center=plant.saw, from_family=plant.blue.category)
    assert (row.to_family, row.minutes) == (plant.red.category, 45)
    html = page(client.get(url))
    matrix = html.split('id="changeover-matrix"')[1].split("</table>")[0]
    assert '<td class="text-end">45</td>' in matrix and '<td class="text-end">30</td>' in matrix

    duplicate = client.post(
        url, {"from_family": plant.blue.category.pk, "to_family": plant.red.category.pk, "minutes": 5}
    )
    assert duplicate.status_code == 200 and duplicate.context["form"].non_field_errors()
    no_category = client.post(url, {"from_family": "", "to_family": plant.red.category.pk, "minutes": 10})
    assert no_category.status_code == 302
    assert Changeover.objects.get(work_center=plant.saw, from_family=None).minutes == 10

    deleted = client.post(reverse("aps:changeover_delete", args=[row.pk]), follow=True)
    assert not Changeover.objects.filter(pk=row.pk).exists() and "Deleted SAW: BLUE → RED 45 min." in page(deleted)
    assert client_as(Role.BUYER).post(url, {"minutes": 1}).status_code == 403


def test_real_downtime_is_listed_added_and_deleted(client_as, plant):
    client = client_as(Role.PLANNER)
    url = reverse("aps:machinewindow_list")
    machine = Machine.objects.get(code="SAW-2")
    MachineWindow.objects.create(machine=machine, start=at(0), end=at(60), schedule=plant.schedule, reason="What-if")
    old = datetime.datetime(2025, 1, 6, 6, 0, tzinfo=datetime.UTC)
    MachineWindow.objects.create(machine=machine, start=old, end=old + datetime.timedelta(hours=2), reason="Old oil")
    added = client.post(
        url,
        {
            "machine": machine.pk,
            "kind": "down",
            "start": "2099-01-05T06:00",
            "end": "2099-01-05T10:00",
            "reason": "Oil",
        },
        follow=True,
    )
    window = MachineWindow.objects.get(reason="Oil")
    assert window.schedule is None and "the next schedule respects it" in messages_of(added)[0]
    html = page(added)
    table = html.split('id="machine-windows"')[1].split("</table>")[0]
    assert "Oil" in table and "Spindle service" in table
    assert "What-if" not in table  # a scenario's own windows are on its page
    assert "Old oil" not in table and "Old oil" in page(client.get(f"{url}?past=1"))  # over: shown with the past

    backwards = client.post(
        url, {"machine": machine.pk, "kind": "down", "start": "2099-01-05T10:00", "end": "2099-01-05T06:00"}
    )
    assert backwards.status_code == 200 and backwards.context["form"].errors["end"]

    client.post(reverse("aps:machinewindow_delete", args=[window.pk]))
    assert not MachineWindow.objects.filter(pk=window.pk).exists()
    scenario_window = MachineWindow.objects.get(reason="What-if")
    assert client.post(reverse("aps:machinewindow_delete", args=[scenario_window.pk])).status_code == 404
