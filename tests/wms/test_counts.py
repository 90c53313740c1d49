from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.roles import Role
from wms.models import CountState, Location, Quant, ReplenishmentRule, StockPolicy, StockTask, TaskPurpose
from wms.selectors.stock import ledger_mismatches
from wms.services.cycle_counts import (
    cycle_count_approve,
    cycle_count_create,
    cycle_count_found,
    cycle_count_post,
    cycle_count_record,
)
from wms.services.moves import stock_transfer
from wms.services.putaway import stock_task_confirm
from wms.services.replenishment import replenishment_plan

pytestmark = pytest.mark.django_db


def quantity(item, location) -> Decimal:
    return Quant.objects.get(item=item, location=location).quantity


def test_a_count_within_tolerance_posts_its_differences(warehouse, item, bin_, receive, make_user, settings):
    settings.TAKT_COUNT_TOLERANCE_PCT = 5
    cable, box = item("CB-EU"), item("BOX")
    receive(cable, 100, bin_("A-01"))
    receive(box, 40, bin_("A-02"))
    counter = make_user(Role.WAREHOUSE)
    count = cycle_count_create(warehouse=warehouse, location=Location.objects.get(code="MAIN/STOCK"), user=counter)
    lines = {line.item.code: line for line in count.lines.all()}
    assert {code: line.expected_qty for code, line in lines.items()} == {"CB-EU": 100, "BOX": 40}

    cycle_count_record(line=lines["CB-EU"], counted=Decimal(98), user=counter)  # 2 %: within tolerance
    with pytest.raises(ValidationError) as error:
        cycle_count_post(count=count, user=counter)
    assert error.value.code == "uncounted"
    cycle_count_record(line=lines["BOX"], counted=Decimal(40), user=counter)
    # Stock moved while counting is kept: posting applies the difference, not the count.
    stock_transfer(item=cable, quantity=Decimal(10), from_location=bin_("A-01"), to_location=bin_("B-01"))
    count = cycle_count_post(count=count, user=counter)
    assert count.state == CountState.POSTED
    assert quantity(cable, bin_("A-01")) == 88 and quantity(box, bin_("A-02")) == 40
    assert ledger_mismatches() == []


def test_differences_above_tolerance_wait_for_someone_elses_approval(warehouse, item, bin_, receive, make_user):
    kettle = item("KT-200")
    receive(kettle, 50, bin_("A-01"))
    counter, approver, other = make_user(Role.WAREHOUSE), make_user(Role.FINANCE), make_user(Role.OPERATOR)
    count = cycle_count_create(warehouse=warehouse, location=bin_("A-01"), user=counter)
    cycle_count_record(line=count.lines.get(), counted=Decimal(40), user=counter)
    with pytest.raises(ValidationError) as error:
        cycle_count_post(count=count, user=counter)
    assert error.value.code == "needs_approval" and "KT-200 @ MAIN/STOCK/A-01 (-10)" in error.value.messages[0]
    assert quantity(kettle, bin_("A-01")) == 50  # nothing posted

    for user, code in ((counter, "not_allowed"), (other, "not_allowed")):
        with pytest.raises(ValidationError) as error:
            cycle_count_approve(count=count, user=user)
        assert error.value.code == code
    cycle_count_approve(count=count, user=approver)
    cycle_count_post(count=count, user=counter)
    assert quantity(kettle, bin_("A-01")) == 40 and ledger_mismatches() == []


def test_stock_found_where_none_was_expected_is_counted_in(warehouse, item, bin_, make_user):
    thermostat = item("TH-01")
    count = cycle_count_create(warehouse=warehouse, location=bin_("B-01"), user=make_user(Role.WAREHOUSE))
    assert not count.lines.exists()
    cycle_count_found(count=count, location=bin_("B-01"), item=thermostat, counted=Decimal(12))
    with pytest.raises(ValidationError):  # found stock is always beyond the tolerance
        cycle_count_post(count=count)
    cycle_count_approve(count=count, user=make_user(Role.FINANCE))
    cycle_count_post(count=count)
    assert quantity(thermostat, bin_("B-01")) == 12


def test_an_abc_count_takes_the_items_of_the_class_wherever_they_are(warehouse, item, bin_, receive, make_user):
    fast, slow = item("FAST"), item("SLOW")
    StockPolicy.objects.create(item=fast, abc_class="A")
    receive(fast, 5, bin_("A-01"))
    receive(fast, 5, bin_("B-01"))
    receive(slow, 5, bin_("A-01"))
    count = cycle_count_create(warehouse=warehouse, abc_class="A", user=make_user(Role.WAREHOUSE))
    assert sorted(count.lines.values_list("item__code", "location__code")) == [
        ("FAST", "MAIN/STOCK/A-01"),
        ("FAST", "MAIN/STOCK/B-01"),
    ]


def test_pick_faces_are_refilled_to_their_maximum_once(warehouse, item, bin_, receive):
    cable = item("CB-EU")
    face = bin_("A-01")
    ReplenishmentRule.objects.create(location=face, item=cable, min_qty=Decimal(20), max_qty=Decimal(100))
    receive(cable, 15, face)
    receive(cable, 50, bin_("B-01"))
    receive(cable, 60, bin_("A-02"))
    tasks = replenishment_plan(warehouse=warehouse)
    assert [(t.from_location.code, t.quantity) for t in tasks] == [("MAIN/STOCK/B-01", 50), ("MAIN/STOCK/A-02", 35)]
    assert replenishment_plan(warehouse=warehouse) == []  # what is on its way counts
    for task in tasks:
        stock_task_confirm(task=task, location=face)
    assert quantity(cable, face) == 100
    assert StockTask.objects.filter(purpose=TaskPurpose.REPLENISHMENT, state="done").count() == 2
    assert ledger_mismatches() == []


def test_found_stock_must_be_in_the_counted_bins_and_name_its_lot(warehouse, item, bin_, make_user):
    from core.choices import Tracking

    count = cycle_count_create(warehouse=warehouse, location=bin_("B-01"), user=make_user(Role.WAREHOUSE))
    with pytest.raises(ValidationError) as error:
        cycle_count_found(count=count, location=bin_("A-01"), item=item("TH-01"), counted=Decimal(1))
    assert error.value.error_dict["location"][0].code == "outside_count"
    with pytest.raises(ValidationError) as error:
        cycle_count_found(
            count=count, location=bin_("B-01"), item=item("HE-2000", tracking=Tracking.LOT), counted=Decimal(3)
        )
    assert error.value.error_dict["lot"][0].code == "required"


def test_a_count_changed_after_approval_is_approved_again(warehouse, item, bin_, receive, make_user):
    kettle = item("KT-200")
    receive(kettle, 50, bin_("A-01"))
    counter = make_user(Role.WAREHOUSE)
    count = cycle_count_create(warehouse=warehouse, location=bin_("A-01"), user=counter)
    cycle_count_record(line=count.lines.get(), counted=Decimal(40), user=counter)
    cycle_count_approve(count=count, user=make_user(Role.FINANCE))
    cycle_count_record(line=count.lines.get(), counted=Decimal(10), user=counter)
    with pytest.raises(ValidationError) as error:
        cycle_count_post(count=count, user=counter)
    assert error.value.code == "needs_approval"


def test_a_count_scope_is_checked(warehouse, item, make_user):
    from wms.models import Warehouse

    other = Warehouse.objects.create(code="W2", name="Other")
    elsewhere = Location.objects.create(code="W2/BIN", warehouse=other)
    with pytest.raises(ValidationError) as error:
        cycle_count_create(warehouse=warehouse, location=elsewhere)
    assert "location" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        cycle_count_create(warehouse=warehouse, abc_class="Z")
    assert "abc_class" in error.value.error_dict


def test_two_pick_faces_never_plan_the_same_stock_twice(warehouse, item, bin_, receive):
    cable = item("CB-EU")
    for code in ("A-01", "A-02"):
        ReplenishmentRule.objects.create(location=bin_(code), item=cable, min_qty=Decimal(5), max_qty=Decimal(40))
    receive(cable, 30, bin_("B-01"))
    tasks = replenishment_plan(warehouse=warehouse)
    assert sum(t.quantity for t in tasks) == 30  # not 30 + 30
