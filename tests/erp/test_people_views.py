"""The people screens for HR (and who may not see them): every list, detail and form page, the employee
page at a glance, the roster week and the shift-pattern planner, attendance entries and the clock
buttons, the labor report with its CSV, and qualifications about to expire."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import CalendarException
from core.roles import Role
from erp.models import Attendance, Department, Employee, LaborBooking, Qualification, RosterEntry
from erp.services.people import attendance_record, labor_book, roster_entry_create
from erp.views.people import SCREENS
from tests.erp import test_people as shared
from tests.erp.test_people import MONDAY, at

# The fixtures of the service tests, shared.
plant, qualify, operation = shared.plant, shared.qualify, shared.operation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def csv_lines(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return response.content.decode().splitlines()


@pytest.fixture
def people(plant, qualify, operation):
    """Li qualified for assembly (and once for PRS-01, expired), rostered next Monday, present and booked."""
    qualify(plant.li, work_center=plant.asm, valid_until=datetime.date(2026, 12, 10))
    qualify(plant.li, machine=plant.prs1, valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2026, 6, 30))
    roster_entry_create(employee=plant.li, date=MONDAY, shift=plant.early[0], work_center=plant.asm)
    attendance_record(employee=plant.li, clock_in=at(2, 8), clock_out=at(2, 12))
    attendance_record(employee=plant.zhang, clock_in=at(2, 6), clock_out=at(2, 10))
    labor_book(employee=plant.li, operation=operation, minutes=120, date=datetime.date(2026, 11, 2))
    labor_book(employee=plant.zhang, operation=operation, minutes=130, date=datetime.date(2026, 11, 2))
    return plant


# --- Every screen ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s.meta.label)
def test_hr_opens_every_list_detail_and_form_page(client_as, people, screens):
    client = client_as(Role.HR)
    assert " record" in page(client.get(reverse(screens.url_name("list"))))
    assert client.get(reverse(screens.url_name("list")), {"export": "csv"}).status_code == 200
    obj = screens.get_queryset().first()
    assert obj is not None
    page(client.get(reverse(screens.url_name("detail"), args=[obj.pk])))
    if screens.editable:
        page(client.get(reverse(screens.url_name("edit"), args=[obj.pk])))
        page(client.get(reverse(screens.url_name("add"))))


PAGES = ["erp:roster_week", "erp:roster_plan", "erp:labor_report", "erp:qualification_expiring"]


@pytest.mark.parametrize("name", PAGES)
def test_hr_opens_the_roster_report_and_expiry_pages(client_as, people, name):
    page(client_as(Role.HR).get(reverse(name)))


@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        (Role.OPERATOR, "erp:employee_list", 403),
        (Role.SALES, "erp:employee_list", 403),
        (Role.OPERATOR, "erp:attendance_list", 403),
        (Role.OPERATOR, "erp:laborbooking_list", 403),
        (Role.SALES, "erp:labor_report", 403),
        (Role.OPERATOR, "erp:roster_plan", 403),
        (Role.OPERATOR, "erp:employee_add", 403),
        (Role.PLANNER, "erp:employee_add", 403),
        (Role.FINANCE, "erp:labor_report", 200),
        (Role.PLANNER, "erp:roster_plan", 200),
        # Everyone on the staff sees the roster: who works which shift is no secret on the floor.
        (Role.OPERATOR, "erp:roster_week", 200),
        (Role.OPERATOR, "erp:qualification_list", 200),
    ],
)
def test_roles_reach_only_what_the_access_table_lets_them(client_as, people, role, url_name, status):
    assert client_as(role).get(reverse(url_name)).status_code == status


@pytest.mark.parametrize("model", ["employee", "qualification", "rosterentry", "attendance", "laborbooking"])
def test_list_pages_take_a_fixed_number_of_queries(
    client_as, people, qualify, operation, model, django_assert_max_num_queries
):
    start = datetime.datetime(2026, 9, 1, 6, tzinfo=datetime.UTC)
    for n in range(25):
        employee = Employee.objects.create(
            number=f"E1{n:02d}", first_name="Temp", last_name=f"Worker {n}", department=people.assy
        )
        qualify(employee, machine=people.asm1)
        roster_entry_create(employee=employee, date=MONDAY, shift=people.late[0], work_center=people.asm)
        attendance_record(
            employee=employee, clock_in=start, clock_out=start + datetime.timedelta(hours=8), machine=people.asm1
        )
        labor_book(employee=employee, operation=operation, minutes=30, date=datetime.date(2026, 9, 1))
    client = client_as(Role.HR)
    with django_assert_max_num_queries(8):
        html = page(client.get(reverse(f"erp:{model}_list")))
    assert " record" in html


# --- Employees -------------------------------------------------------------------------------------------------


def test_the_employee_page_shows_qualifications_the_coming_roster_attendance_and_labor(client_as, people):
    html = page(client_as(Role.HR).get(reverse("erp:employee_detail", args=[people.li.pk])))
    qualifications = html[html.index('id="qualifications"') : html.index('id="roster"')]
    assert "work center ASM" in qualifications and "machine PRS-01" in qualifications
    assert qualifications.count("qualification-expired") == 1  # PRS-01 expired in June
    roster = html[html.index('id="roster"') : html.index('id="attendance"')]
    assert "Mon 2026-11-23" in roster and "Early" in roster
    attendance = html[html.index('id="attendance"') : html.index('id="labor"')]
    assert "4.00" in attendance
    labor = html[html.index('id="labor"') :]
    assert "MO-2026-00001" in labor and "120.00" in labor  # 120 min at 60.00


def test_planners_see_the_employee_without_the_clock_buttons(client_as, people):
    html = page(client_as(Role.PLANNER).get(reverse("erp:employee_detail", args=[people.li.pk])))
    assert "Clock in now" not in html and "Add qualification" not in html
    assert "Clock in now" in page(client_as(Role.HR).get(reverse("erp:employee_detail", args=[people.li.pk])))


def test_employees_without_a_badge_store_none_so_many_can_have_none(client_as, plant):
    client = client_as(Role.HR)
    for number in ("E010", "E011"):
        response = client.post(
            reverse("erp:employee_add"),
            {
                "number": number,
                "first_name": "New",
                "last_name": number,
                "badge": "  ",
                "department": plant.assy.pk,
                "labor_cost_rate": "52.5",
                "active": "on",
            },
        )
        assert response.status_code == 302, response.context["form"].errors
    assert list(Employee.objects.filter(number__in=["E010", "E011"]).values_list("badge", flat=True)) == [None, None]
    taken = client.post(
        reverse("erp:employee_add"),
        {"number": "E012", "first_name": "A", "last_name": "B", "badge": "B-001", "department": plant.assy.pk},
    )
    assert "badge" in taken.context["form"].errors


def test_hr_clocks_an_employee_in_and_out_from_the_employee_page(client_as, plant):
    client = client_as(Role.HR)
    url = reverse("erp:employee_command", args=[plant.zhang.pk, "clock-in"])
    assert messages_of(client.post(url, follow=True)) == ["Clocked in."]
    attendance = Attendance.objects.get(employee=plant.zhang)
    assert attendance.clock_out is None and attendance.source == "manual"
    again = client.post(url, follow=True)
    assert "already clocked in" in messages_of(again)[0] and Attendance.objects.count() == 1
    # Minutes later, from the attendance page.
    Attendance.objects.filter(pk=attendance.pk).update(clock_in=timezone.now() - datetime.timedelta(hours=1))
    done = client.post(reverse("erp:attendance_command", args=[attendance.pk, "clock-out"]), follow=True)
    assert messages_of(done) == ["Clocked out."]
    assert Attendance.objects.get().clock_out is not None


def test_an_operator_cannot_clock_anyone_in(client_as, plant):
    # The operator role does not see employees: refused before the employee is looked up.
    response = client_as(Role.OPERATOR).post(reverse("erp:employee_command", args=[plant.li.pk, "clock-in"]))
    assert response.status_code == 403
    assert Attendance.objects.count() == 0


# --- Qualifications ----------------------------------------------------------------------------------------------


def test_a_qualification_form_takes_a_work_center_or_a_machine(client_as, plant):
    client = client_as(Role.HR)
    both = client.post(
        reverse("erp:qualification_add"),
        {"employee": plant.li.pk, "work_center": plant.asm.pk, "machine": plant.asm1.pk, "valid_from": "2026-11-01"},
    )
    assert both.context["form"].errors == {"machine": ["Choose either a work center or one machine."]}
    made = client.post(
        reverse("erp:qualification_add"),
        {"employee": plant.li.pk, "machine": plant.asm1.pk, "valid_from": "2026-11-01"},
    )
    assert made.status_code == 302
    assert Qualification.objects.get().machine == plant.asm1


def test_the_expiring_page_lists_what_ends_within_the_days_asked(client_as, people):
    client = client_as(Role.HR)
    html = page(client.get(reverse("erp:qualification_expiring")))
    # Li's assembly qualification ends 2026-12-10, within 30 days of today (2026-11-22).
    assert "E001 Li Wei" in html and "2026-12-22" in html
    assert "E001 Li Wei" not in page(client.get(reverse("erp:qualification_expiring"), {"within": 7}))
    listed = page(client.get(reverse("erp:qualification_list"), {"expiring_within": 30}))
    assert "1 record" in listed
    assert "1 record" in page(client.get(reverse("erp:qualification_list"), {"status": "expired"}))


# --- Roster ----------------------------------------------------------------------------------------------------


def test_the_roster_form_refuses_a_shift_of_another_weekday(client_as, plant):
    client = client_as(Role.HR)
    response = client.post(
        reverse("erp:rosterentry_add"),
        {"employee": plant.li.pk, "date": "2026-11-23", "shift": plant.early[2].pk},
    )
    assert response.context["form"].errors == {"shift": ["Early is a Wednesday shift; 2026-11-23 is a Monday."]}
    assert RosterEntry.objects.count() == 0
    ok = client.post(
        reverse("erp:rosterentry_add"), {"employee": plant.li.pk, "date": "2026-11-23", "shift": plant.early[0].pk}
    )
    assert ok.status_code == 302 and RosterEntry.objects.count() == 1


def test_the_week_grid_shows_shifts_per_employee_and_day_and_moves_by_week(client_as, people):
    client = client_as(Role.HR)
    html = page(client.get(reverse("erp:roster_week"), {"week": "2026-11-25"}))
    assert "Roster, week of 2026-11-23" in html
    grid = html[html.index('id="roster-week"') :]
    row = grid[grid.index("E001") : grid.index("E002")]
    assert "Early · ASM" in row
    assert "week=2026-11-16" in html and "week=2026-11-30" in html
    assert "Early · ASM" not in page(client.get(reverse("erp:roster_week"), {"week": "2026-11-30"}))
    press_only = page(client.get(reverse("erp:roster_week"), {"week": "2026-11-23", "department": "PRESS"}))
    assert "E002" in press_only and "E001" not in press_only


def test_the_planner_rosters_a_pattern_and_reports_the_skipped_days(client_as, plant):
    CalendarException.objects.create(calendar=plant.calendar, date=datetime.date(2026, 11, 26), reason="Holiday")
    client = client_as(Role.PLANNER)
    response = client.post(
        reverse("erp:roster_plan"),
        {
            "employee": plant.zhang.pk,
            "start": "2026-11-23",
            "end": "2026-11-29",
            "shifts": [shift.pk for shift in plant.late.values()],
            "work_center": plant.prs.pk,
        },
        follow=True,
    )
    assert messages_of(response) == [
        "Rostered E002 Zhang Min on 4 shift(s).",
        "Skipped Late on 2026-11-26: The calendar 2SHIFT is closed on 2026-11-26 (Holiday).",
    ]
    assert response.redirect_chain[-1][0].endswith("?week=2026-11-23")
    assert RosterEntry.objects.filter(employee=plant.zhang, work_center=plant.prs).count() == 4
    refused = client.post(
        reverse("erp:roster_plan"),
        {"employee": plant.zhang.pk, "start": "2026-11-28", "end": "2026-11-29", "shifts": [plant.late[0].pk]},
    )
    assert refused.context["form"].errors["shifts"] == [
        "No shift of the pattern falls on a weekday between 2026-11-28 and 2026-11-29."
    ]


# --- Attendance ----------------------------------------------------------------------------------------------


def test_hr_enters_and_corrects_attendance_and_overlaps_land_on_the_form(client_as, people):
    client = client_as(Role.HR)
    overlap = client.post(
        reverse("erp:attendance_add"),
        {"employee": people.li.pk, "clock_in": "2026-11-02T11:00", "clock_out": "2026-11-02T13:00"},
    )
    assert "already present from 2026-11-02 08:00 to 2026-11-02 12:00" in overlap.context["form"].errors["clock_in"][0]
    made = client.post(
        reverse("erp:attendance_add"),
        {"employee": people.li.pk, "clock_in": "2026-11-03T08:00", "clock_out": "2026-11-03T16:30"},
    )
    assert made.status_code == 302
    attendance = Attendance.objects.get(employee=people.li, clock_in=at(3, 8))
    assert attendance.hours == Decimal("8.50")
    edit_url = reverse("erp:attendance_edit", args=[attendance.pk])
    assert 'value="2026-11-03T08:00"' in page(client.get(edit_url))
    fixed = client.post(
        edit_url, {"employee": people.zhang.pk, "clock_in": "2026-11-03T07:00", "clock_out": "2026-11-03T16:30"}
    )
    assert fixed.status_code == 302
    attendance.refresh_from_db()
    # The employee field is fixed on edit: the attendance stays Li's.
    assert (attendance.employee, attendance.hours) == (people.li, Decimal("9.50"))


# --- The labor report --------------------------------------------------------------------------------------------


def test_the_labor_report_shows_and_exports_each_grouping(client_as, people):
    client = client_as(Role.HR)
    period = {"start": "2026-11-01", "end": "2026-11-30"}
    html = page(client.get(reverse("erp:labor_report"), period))
    by_employee = html[html.index('id="by-employee"') : html.index('id="by-department"')]
    # Li: 120 min = 2.00 h, 120.00, present 4 h: 50 %. Zhang: 130 min = 2.17 h, 98.58, present 4 h: 54.2 %.
    assert "120.00" in by_employee and "50.0 %" in by_employee
    assert "98.58" in by_employee and "54.2 %" in by_employee
    assert "218.58" in html[html.index('id="totals"') :]
    url = reverse("erp:labor_report")
    assert csv_lines(client.get(url, {**period, "export": "csv", "by": "employee"})) == [
        "employee,name,department,minutes,hours,cost,attendance_hours,utilization_pct",
        "E001,Li Wei,ASSY,120.00,2.00,120.00,4.00,50.0",
        "E002,Zhang Min,PRESS,130.00,2.17,98.58,4.00,54.2",
    ]
    assert csv_lines(client.get(url, {**period, "export": "csv", "by": "department"})) == [
        "department,name,employees,minutes,hours,cost",
        "ASSY,Assembly,1,120.00,2.00,120.00",
        "PRESS,Press shop,1,130.00,2.17,98.58",
    ]
    assert csv_lines(client.get(url, {**period, "export": "csv", "by": "month"})) == [
        "month,employees,minutes,hours,cost",
        "2026-11,2,250.00,4.17,218.58",
    ]
    backwards = page(client.get(url, {"start": "2026-11-30", "end": "2026-11-01"}))
    assert "The period ends before it starts." in backwards and 'id="by-employee"' not in backwards


def test_the_labor_report_csv_keeps_typed_text_that_looks_like_a_formula_as_text(client_as, people):
    # Names and codes people typed: a spreadsheet would run them as formulas. Amounts stay numbers.
    Employee.objects.filter(pk=people.li.pk).update(number="=E001", first_name="@Li", last_name="Wei")
    Department.objects.filter(pk=people.assy.pk).update(code="+ASSY", name="-Assembly")
    url, period = reverse("erp:labor_report"), {"start": "2026-11-01", "end": "2026-11-30"}
    by_employee = csv_lines(client_as(Role.HR).get(url, {**period, "export": "csv", "by": "employee"}))
    assert by_employee[1] == "'=E001,'@Li Wei,'+ASSY,120.00,2.00,120.00,4.00,50.0"
    by_department = csv_lines(client_as(Role.HR).get(url, {**period, "export": "csv", "by": "department"}))
    assert by_department[1] == "'+ASSY,'-Assembly,1,120.00,2.00,120.00"


def test_labor_bookings_are_read_only_on_screen(client_as, people):
    booking = LaborBooking.objects.first()
    html = page(client_as(Role.HR).get(reverse("erp:laborbooking_detail", args=[booking.pk])))
    assert "MO-2026-00001" in html
    # Bookings are written by MES and the API's service only: no edit or delete button, no "New".
    assert "bi-pencil" not in html and "bi-trash" not in html
    assert "bi-plus-lg" not in page(client_as(Role.HR).get(reverse("erp:laborbooking_list")))
