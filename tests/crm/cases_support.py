"""What the service-case tests share: an office calendar (Monday to Friday, 09:00-17:00 UTC), SLA policies on
it and around the clock, a customer's contact, a serial-numbered kettle shipped to it, the clock the tests
run at (Monday 23 November 2026, 09:00 UTC) and a unit made on the floor with its genealogy. The fixtures
reach the test modules through tests/crm/conftest.py."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.choices import PartnerKind, Tracking
from core.models import Contact, Partner, Shift, WorkCalendar
from crm.models import CasePriority, SlaClock, SlaPolicy
from tests.mes.test_genealogy import Chain, chain_build
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Lot
from wms.services.moves import stock_move_post

MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def at(day: int = 0, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """A moment of the test week: `day` days after Monday 23 November 2026, at hour:minute UTC."""
    return MONDAY.replace(hour=hour, minute=minute) + datetime.timedelta(days=day)


def hours(value: float) -> datetime.timedelta:
    return datetime.timedelta(hours=value)


@pytest.fixture
def office_hours(db) -> WorkCalendar:
    calendar = WorkCalendar.objects.create(code="OFFICE", name="Office hours", timezone="UTC")
    for weekday in range(5):
        Shift.objects.create(
            calendar=calendar, name="Office", weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
        )
    return calendar


def policy(code: str, response: str, resolution: str, *, calendar=None, **fields) -> SlaPolicy:
    clock = SlaClock.BUSINESS if calendar else SlaClock.ALWAYS
    made = SlaPolicy(
        code=code,
        name=code.title(),
        first_response_hours=Decimal(response),
        resolution_hours=Decimal(resolution),
        clock=clock,
        calendar=calendar,
        **fields,
    )
    made.full_clean()
    made.save()
    return made


@pytest.fixture
def sla_policies(office_hours) -> dict[str, SlaPolicy]:
    """Business hours for any priority (4 h to answer, 16 h to resolve); urgent cases around the clock (1 h, 8 h)."""
    return {
        "standard": policy("STANDARD", "4", "16", calendar=office_hours),
        "urgent": policy("URGENT", "1", "8", priority=CasePriority.URGENT),
    }


@pytest.fixture
def case_contact(customer) -> Contact:
    return Contact.objects.create(partner=customer, name="Mei Chen", email="mei.chen@mediahome.example")


@pytest.fixture
def serial_kettle(item):
    return item("KT-300", tracking=Tracking.SERIAL, standard_cost=Decimal("40"))


def shipped_serial(kettle, code: str, location, reference: str = "SO-2026-00001") -> Lot:
    """A kettle made into a bin and shipped to the customers' location, as a delivery posts it."""
    lot = Lot.objects.create(item=kettle, code=code)
    stock_move_post(
        item=kettle,
        quantity=Decimal(1),
        from_location=virtual_location(LocationKind.PRODUCTION),
        to_location=location,
        kind=MoveKind.PRODUCTION,
        lot=lot,
        unit_cost=Decimal("40"),
        reference="MO-TEST",
    )
    stock_move_post(
        item=kettle,
        quantity=Decimal(1),
        from_location=location,
        to_location=virtual_location(LocationKind.CUSTOMER),
        kind=MoveKind.SHIPMENT,
        lot=lot,
        reference=reference,
    )
    return lot


@pytest.fixture
def case_clock():
    """The clock stands at Monday 09:00; a test moves it with `.move_to(...)`."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def make_customer(code: str, company, **fields) -> Partner:
    return Partner.objects.create(
        code=code, name=code.title(), kind=PartnerKind.CUSTOMER, currency=company.currency, **fields
    )


@pytest.fixture
def genealogy_chain(floor, company) -> Chain:
    """The five-level kettle of the genealogy tests, made on the floor through the MES services: steel lot
    S-A (STEELCO) > blank > shell > body (+ gasket lot G-1 from HEATCO) > unit > four KT-900 serials, two of
    them shipped to MEDIAHOME."""
    return chain_build(floor, company)
