"""A shop floor for MES: the kettle plant of the ERP tests (KT-200 assembled on ASSY, tested on TEST),
with machines, operators holding badges and qualifications, and reason codes; the clock the floor tests run
at, and the helpers their screens and API answers are read with."""

import copy
import datetime
import html as html_lib
from decimal import Decimal

import pytest
import time_machine

from core.choices import Tracking
from core.models import Machine
from erp.models import Department, Employee, Qualification
from mes.demo import DOWNTIME_REASONS  # the plant's reason codes, as the demo sets them up
from mes.models import DowntimeReason, ScrapReason
from tests.conftest import records_for_module
from tests.erp.conftest import company, company_make  # noqa: F401  (shared fixtures)
from tests.erp.test_production import build_plant, released
from tests.wms.conftest import bin_, bin_of, item, receive, warehouse, warehouse_make  # noqa: F401

T0 = datetime.datetime(2026, 11, 23, 6, 0, tzinfo=datetime.UTC)
SHIFT_MINUTES = 600  # the floor tests run at T0 + 10 hours, after what their shift records


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


@pytest.fixture
def shift_clock():
    """The clock frozen at the end of the shift the tests record (a test module opts in with
    `pytest.mark.usefixtures("shift_clock")`, so it stands before the floor is built)."""
    with time_machine.travel(at(SHIFT_MINUTES), tick=False):
        yield


def errors(response) -> set[tuple[str | None, str]]:
    """(field, code) of an API error response."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]) for error in response.json()["errors"]}


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html_lib.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    """The messages shown on the page, with those of the posts before it that were not followed."""
    return [str(m) for m in response.context["messages"]]


class Floor(dict):
    """The plant's dict (kettle, body, element, powder, assembly, test, warehouse...) and the floor."""

    def order(self, quantity: str = "100", **fields):
        """A released KT-200 order: op 10 on ASSY (ready), op 20 on TEST."""
        return released(self, quantity, **fields)

    def reason(self, code: str) -> DowntimeReason:
        return DowntimeReason.objects.get(code=code)

    def scrap(self, code: str = "DENT") -> ScrapReason:
        return ScrapReason.objects.get(code=code)


@pytest.fixture
def floor(warehouse, bin_) -> Floor:  # noqa: F811  (the imported fixtures)
    return floor_build(warehouse, bin_)


def floor_build(warehouse, bin_) -> Floor:  # noqa: F811  (the names of the imported fixtures)
    plant = Floor(build_plant(warehouse, bin_))
    plant["assy1"] = Machine.objects.create(work_center=plant["assembly"], code="ASSY-1", name="Assembly line 1")
    plant["assy2"] = Machine.objects.create(work_center=plant["assembly"], code="ASSY-2", name="Assembly line 2")
    plant["test1"] = Machine.objects.create(work_center=plant["test"], code="TEST-1", name="Test bench 1")
    department = Department.objects.create(code="PROD", name="Production")
    since = datetime.date(2026, 1, 1)
    for badge, first, last, rate, centers in [
        ("B-1001", "Li", "Wei", "30", ["assembly", "test"]),
        ("B-1002", "Anna", "Berg", "28", ["assembly"]),
    ]:
        employee = Employee.objects.create(
            number=badge.replace("B-", "E-"),
            first_name=first,
            last_name=last,
            badge=badge,
            department=department,
            labor_cost_rate=Decimal(rate),
        )
        for center in centers:
            Qualification.objects.create(employee=employee, work_center=plant[center], valid_from=since)
        plant[badge] = employee
    for code, name, category, kind, counts in DOWNTIME_REASONS:
        DowntimeReason.objects.create(
            code=code, name=name, category=category, kind=kind, counts_against_availability=counts
        )
    ScrapReason.objects.create(code="DENT", name="Dented body")
    ScrapReason.objects.create(code="LEAK", name="Leak at test")
    return plant


@pytest.fixture(scope="module")
def module_chain(django_db_setup, django_db_blocker):
    """The five-level chain of tests/mes/test_genealogy.py, made once per test module (it runs a dozen
    orders through the floor): see records_for_module."""
    from tests.mes.test_genealogy import chain_build  # that module imports this one

    with records_for_module(django_db_blocker):
        yield chain_build(floor_build(warehouse_make(), bin_of), company_make())


@pytest.fixture
def chain(module_chain, db):
    return copy.deepcopy(module_chain)


@pytest.fixture
def cup(item, receive, bin_):  # noqa: F811  (the imported fixtures)
    """A lot-tracked cup with 10 in lot C-1, for inspections of received goods."""
    cup = item("CUP", tracking=Tracking.LOT)
    receive(cup, 10, bin_("A-01"), lot="C-1")
    return cup
