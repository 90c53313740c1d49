"""The people API over HTTP with tokens: master data by numbers and codes, who a badge is, the qualification
check MES asks, roster entries and a shift pattern, sign-in and sign-out, labor bookings and the labor
report; refusals come back as 400s naming field and reason."""

import datetime
from decimal import Decimal

import pytest

from core.models import CalendarException
from core.roles import Role
from erp.models import Attendance, Employee, LaborBooking, RosterEntry
from tests.erp import test_people as shared

# The fixtures of the service tests, shared.
plant, qualify, operation = shared.plant, shared.qualify, shared.operation

pytestmark = pytest.mark.django_db

API = "/api/v1/erp"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def test_departments_and_employees_are_written_by_codes_and_numbers(api_as, plant, make_user):
    api = api_as(Role.HR)
    made = api.post(f"{API}/departments/", {"code": "QA", "name": "Quality"}, format="json")
    assert made.status_code == 201, made.content
    make_user(username="chen")
    employee = api.post(
        f"{API}/employees/",
        {
            "number": "E020",
            "first_name": "Chen",
            "last_name": "Jie",
            "department": "QA",
            "user": "chen",
            "badge": " ",
            "labor_cost_rate": "55.25",
            "hired_on": "2026-11-01",
        },
        format="json",
    )
    assert employee.status_code == 201, employee.content
    body = employee.json()
    assert (body["department"], body["user"], body["badge"], body["full_name"]) == ("QA", "chen", None, "Chen Jie")
    # A second employee without a badge is fine; one with a taken badge, department or user is not.
    second = api.post(
        f"{API}/employees/",
        {"number": "E021", "first_name": "A", "last_name": "B", "department": "QA", "badge": ""},
        format="json",
    )
    assert second.status_code == 201, second.content
    refused = api.post(
        f"{API}/employees/",
        {
            "number": "E022",
            "first_name": "C",
            "last_name": "D",
            "department": "NOPE",
            "badge": "B-001",
            "user": "chen",
            "labor_cost_rate": "-1",
        },
        format="json",
    )
    assert set(errors(refused)) == {
        ("department", "does_not_exist"),
        ("badge", "unique"),
        ("user", "unique"),
    }
    listed = api.get(f"{API}/employees/", {"department": "QA", "ordering": "-number"}).json()
    assert [row["number"] for row in listed["results"]] == ["E021", "E020"]
    negative = api.patch(f"{API}/employees/{body['id']}/", {"labor_cost_rate": "-1"}, format="json")
    assert negative.status_code == 400
    # Planners read employees; only HR (and admins) write them.
    planner = api_as(Role.PLANNER)
    assert planner.get(f"{API}/employees/").status_code == 200
    assert planner.post(f"{API}/departments/", {"code": "X", "name": "X"}, format="json").status_code == 403
    assert api_as(Role.OPERATOR).get(f"{API}/employees/").status_code == 403


def test_a_badge_is_looked_up_and_unknown_or_inactive_ones_are_400s(api_as, plant):
    api = api_as(Role.HR)
    found = api.get(f"{API}/employees/by-badge/", {"badge": "B-002"})
    assert found.status_code == 200 and found.json()["number"] == "E002"
    assert errors(api.get(f"{API}/employees/by-badge/", {"badge": "B-404"})) == {
        ("badge", "unknown_badge"): "Badge B-404 belongs to no employee."
    }
    assert ("badge", "inactive") in errors(api.get(f"{API}/employees/by-badge/", {"badge": "B-003"}))
    assert ("badge", "required") in errors(api.get(f"{API}/employees/by-badge/"))


def test_qualifications_and_the_check_mes_asks(api_as, plant):
    api = api_as(Role.HR)
    made = api.post(
        f"{API}/qualifications/",
        {"employee": "E001", "work_center": "ASM", "valid_from": "2026-01-01", "valid_until": "2026-12-10"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "valid"
    both = api.post(
        f"{API}/qualifications/",
        {"employee": "E001", "work_center": "ASM", "machine": "PRS-01", "valid_from": "2026-01-01"},
        format="json",
    )
    assert errors(both) == {("machine", "scope"): "Choose either a work center or one machine."}
    li = plant.li.pk
    check = api.get(f"{API}/employees/{li}/qualification-check/", {"machine": "ASM-02", "on": "2026-11-22"})
    assert check.status_code == 200
    assert (check.json()["machine"], check.json()["qualification"]["work_center"]) == ("ASM-02", "ASM")
    expired = api.get(f"{API}/employees/{li}/qualification-check/", {"machine": "ASM-02", "on": "2026-12-11"})
    assert errors(expired) == {
        ("machine", "expired"): "E001 Li Wei's qualification for machine ASM-02 expired on 2026-12-10."
    }
    assert ("machine", "no_qualification") in errors(
        api.get(f"{API}/employees/{li}/qualification-check/", {"machine": "PRS-01"})
    )
    assert ("machine", "does_not_exist") in errors(
        api.get(f"{API}/employees/{li}/qualification-check/", {"machine": "XX"})
    )
    qualified = api.get(f"{API}/employees/qualified/", {"machine": "ASM-01", "on": "2026-11-22"}).json()
    assert [row["number"] for row in qualified] == ["E001"]
    expiring = api.get(f"{API}/qualifications/expiring/", {"on": "2026-11-22"}).json()
    assert [row["employee"] for row in expiring["results"]] == ["E001"]
    assert api.get(f"{API}/qualifications/expiring/", {"on": "2026-11-22", "within_days": 5}).json()["count"] == 0
    assert ("within_days", "min_value") in errors(api.get(f"{API}/qualifications/expiring/", {"within_days": -1}))
    # Operators see qualifications, but do not grant them.
    operator = api_as(Role.OPERATOR)
    assert operator.get(f"{API}/qualifications/", {"employee": "E001"}).json()["count"] == 1
    assert operator.post(f"{API}/qualifications/", {}, format="json").status_code == 403


def test_roster_entries_and_a_shift_pattern(api_as, plant):
    CalendarException.objects.create(calendar=plant.calendar, date=datetime.date(2026, 11, 26), reason="Holiday")
    api = api_as(Role.PLANNER)
    entry = api.post(
        f"{API}/roster-entries/",
        {"employee": "E001", "date": "2026-11-23", "shift": plant.early[0].pk, "work_center": "ASM"},
        format="json",
    )
    assert entry.status_code == 201, entry.content
    assert {key: entry.json()[key] for key in ("shift_name", "calendar", "start_time", "work_center")} == {
        "shift_name": "Early",
        "calendar": "2SHIFT",
        "start_time": "06:00:00",
        "work_center": "ASM",
    }
    mismatch = api.post(
        f"{API}/roster-entries/", {"employee": "E001", "date": "2026-11-24", "shift": plant.early[0].pk}, format="json"
    )
    assert errors(mismatch) == {("shift", "weekday_mismatch"): "Early is a Monday shift; 2026-11-24 is a Tuesday."}
    closed = api.post(
        f"{API}/roster-entries/", {"employee": "E002", "date": "2026-11-26", "shift": plant.late[3].pk}, format="json"
    )
    assert ("date", "closed_day") in errors(closed)
    moved = api.patch(f"{API}/roster-entries/{entry.json()['id']}/", {"date": "2026-11-30"}, format="json")
    assert moved.status_code == 200 and moved.json()["date"] == "2026-11-30"
    wrong_day = api.patch(f"{API}/roster-entries/{entry.json()['id']}/", {"date": "2026-12-01"}, format="json")
    assert ("shift", "weekday_mismatch") in errors(wrong_day)

    plan = api.post(
        f"{API}/roster-entries/plan/",
        {
            "employee": "E002",
            "start": "2026-11-23",
            "end": "2026-11-29",
            "shifts": [shift.pk for shift in plant.late.values()],
            "work_center": "PRS",
        },
        format="json",
    )
    assert plan.status_code == 201, plan.content
    body = plan.json()
    assert [row["date"] for row in body["created"]] == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"]
    assert [(row["date"], row["shift_name"]) for row in body["skipped"]] == [("2026-11-26", "Late")]
    assert "closed" in body["skipped"][0]["reason"]
    week = api.get(
        f"{API}/roster-entries/", {"date_after": "2026-11-23", "date_before": "2026-11-29", "employee": "E002"}
    )
    assert week.json()["count"] == 4
    nothing = api.post(
        f"{API}/roster-entries/plan/",
        {"employee": "E002", "start": "2026-11-29", "end": "2026-11-23", "shifts": [plant.late[0].pk]},
        format="json",
    )
    assert ("end", "invalid_range") in errors(nothing)
    assert api_as(Role.OPERATOR).post(f"{API}/roster-entries/plan/", {}, format="json").status_code == 403
    assert RosterEntry.objects.count() == 5


def test_sign_in_and_sign_out_by_badge_with_the_qualification_check(api_as, plant, qualify):
    api = api_as(Role.HR)
    unqualified = api.post(
        f"{API}/attendances/sign-in/",
        {"badge": "B-001", "machine": "ASM-01", "at": "2026-11-23T06:00:00Z"},
        format="json",
    )
    assert errors(unqualified) == {
        ("machine", "no_qualification"): "E001 Li Wei has no qualification for machine ASM-01 or its work center ASM."
    }
    qualify(plant.li, work_center=plant.asm)
    signed_in = api.post(
        f"{API}/attendances/sign-in/",
        {"badge": "B-001", "machine": "ASM-01", "at": "2026-11-23T06:00:00Z"},
        format="json",
    )
    assert signed_in.status_code == 201, signed_in.content
    assert (signed_in.json()["machine"], signed_in.json()["source"], signed_in.json()["clock_out"]) == (
        "ASM-01",
        "mes",
        None,
    )
    twice = api.post(f"{API}/attendances/sign-in/", {"employee": "E001", "at": "2026-11-23T07:00:00Z"}, format="json")
    assert ("employee", "already_signed_in") in errors(twice)
    early = api.post(f"{API}/attendances/sign-out/", {"employee": "E001", "at": "2026-11-23T05:00:00Z"}, format="json")
    assert ("at", "before_clock_in") in errors(early)
    out = api.post(f"{API}/attendances/sign-out/", {"badge": "B-001", "at": "2026-11-23T14:15:00Z"}, format="json")
    assert out.status_code == 200 and out.json()["hours"] == "8.25"
    assert ("employee", "not_signed_in") in errors(
        api.post(f"{API}/attendances/sign-out/", {"employee": "E001"}, format="json")
    )
    assert ("employee", "required") in errors(api.post(f"{API}/attendances/sign-in/", {}, format="json"))
    assert ("badge", "unknown_badge") in errors(
        api.post(f"{API}/attendances/sign-in/", {"badge": "B-404"}, format="json")
    )
    assert Attendance.objects.count() == 1
    # Signing in is HR's and MES's (through the services); a planner reads attendance only.
    planner = api_as(Role.PLANNER)
    assert planner.get(f"{API}/attendances/", {"employee": "E001"}).json()["count"] == 1
    assert planner.post(f"{API}/attendances/sign-in/", {"employee": "E002"}, format="json").status_code == 403


def test_hr_enters_and_corrects_attendance(api_as, plant):
    api = api_as(Role.HR)
    made = api.post(
        f"{API}/attendances/",
        {"employee": "E002", "clock_in": "2026-11-02T06:00:00Z", "clock_out": "2026-11-02T14:00:00Z"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert (made.json()["source"], made.json()["hours"]) == ("manual", "8.00")
    overlap = api.post(
        f"{API}/attendances/",
        {"employee": "E002", "clock_in": "2026-11-02T13:00:00Z", "clock_out": "2026-11-02T15:00:00Z"},
        format="json",
    )
    assert ("clock_in", "overlap") in errors(overlap)
    url = f"{API}/attendances/{made.json()['id']}/"
    fixed = api.patch(url, {"clock_out": "2026-11-02T14:30:00Z", "machine": "PRS-01"}, format="json")
    assert fixed.status_code == 200 and (fixed.json()["hours"], fixed.json()["machine"]) == ("8.50", "PRS-01")
    backwards = api.patch(url, {"clock_out": "2026-11-02T05:00:00Z"}, format="json")
    assert ("clock_out", "before_clock_in") in errors(backwards)
    assert ("employee", "read_only") in errors(api.patch(url, {"employee": "E001"}, format="json"))
    assert Attendance.objects.get().employee == plant.zhang


def test_labor_bookings_and_the_report(api_as, plant, operation):
    api = api_as(Role.HR)
    booked = api.post(
        f"{API}/labor-bookings/",
        {"employee": "E002", "order": "MO-2026-00001", "seq": 10, "minutes": "130", "date": "2026-11-02"},
        format="json",
    )
    assert booked.status_code == 201, booked.content
    assert {key: booked.json()[key] for key in ("order", "seq", "work_center", "cost", "source")} == {
        "order": "MO-2026-00001",
        "seq": 10,
        "work_center": "ASM",
        "cost": "98.58",
        "source": "manual",
    }
    for payload, expected in (
        ({"seq": 20}, ("seq", "does_not_exist")),
        ({"minutes": "0"}, ("minutes", "min_value")),
        ({"employee": "E999"}, ("employee", "does_not_exist")),
    ):
        body = {"employee": "E001", "order": "MO-2026-00001", "seq": 10, "minutes": "60", "date": "2026-11-03"}
        assert expected in errors(api.post(f"{API}/labor-bookings/", {**body, **payload}, format="json"))
    api.post(
        f"{API}/labor-bookings/",
        {"employee": "E001", "order": "MO-2026-00001", "seq": 10, "minutes": "90", "date": "2026-10-30"},
        format="json",
    )
    api.post(
        f"{API}/attendances/",
        {"employee": "E002", "clock_in": "2026-11-02T06:00:00Z", "clock_out": "2026-11-02T10:00:00Z"},
        format="json",
    )
    assert LaborBooking.objects.count() == 2
    report = api.get(f"{API}/labor-report/", {"start": "2026-10-01", "end": "2026-11-30"}).json()
    assert (report["minutes"], report["hours"], report["cost"], report["attendance_hours"]) == (
        "220.00",
        "3.67",
        "188.58",
        "4.00",
    )
    assert [(row["employee"], row["cost"], row["utilization_pct"]) for row in report["by_employee"]] == [
        ("E001", "90.00", None),
        ("E002", "98.58", "54.2"),
    ]
    assert [(row["key"], row["cost"]) for row in report["by_department"]] == [("ASSY", "90.00"), ("PRESS", "98.58")]
    assert [(row["key"], row["hours"], row["cost"]) for row in report["by_month"]] == [
        ("2026-10", "1.50", "90.00"),
        ("2026-11", "2.17", "98.58"),
    ]
    assert ("end", "invalid_range") in errors(
        api.get(f"{API}/labor-report/", {"start": "2026-11-30", "end": "2026-11-01"})
    )
    assert ("start", "invalid") in errors(api.get(f"{API}/labor-report/", {"start": "yesterday"}))
    listed = api.get(f"{API}/labor-bookings/", {"order": "MO-2026-00001", "employee": "E002"}).json()
    assert [row["minutes"] for row in listed["results"]] == ["130.00"]
    # Bookings are written by the service only: no updates, no deletes.
    booking_url = f"{API}/labor-bookings/{booked.json()['id']}/"
    assert api.patch(booking_url, {"minutes": "1"}, format="json").status_code == 405
    assert api.delete(booking_url).status_code == 405
    # The report is for those who may see labor and attendance: not sales, not operators.
    assert api_as(Role.FINANCE).get(f"{API}/labor-report/").status_code == 200
    assert api_as(Role.SALES).get(f"{API}/labor-report/").status_code == 403
    assert api_as(Role.OPERATOR).post(f"{API}/labor-bookings/", {}, format="json").status_code == 403
    assert Employee.objects.get(number="E002").labor_cost_rate == Decimal("45.50")


@pytest.mark.parametrize(
    "path",
    [
        "departments/",
        "employees/",
        "employees/by-badge/?badge=B-001",
        "qualifications/",
        "qualifications/expiring/",
        "roster-entries/",
        "attendances/",
        "labor-bookings/",
        "labor-report/",
    ],
)
def test_anonymous_callers_get_nothing(client, plant, path):
    assert client.get(f"{API}/{path}").status_code in (401, 403)
    assert client.post(f"{API}/attendances/sign-in/", {"badge": "B-001"}).status_code in (401, 403)
