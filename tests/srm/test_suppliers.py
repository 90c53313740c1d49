"""The supplier master's services: supplier items (the approved vendor list), approval, the preferred source
and price breaks."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.roles import Role
from srm.models import Approval, SupplierItem, SupplierPrice
from srm.services.suppliers import (
    supplier_item_approval_set,
    supplier_item_prefer,
    supplier_item_remove,
    supplier_item_set,
    supplier_item_update,
    supplier_price_remove,
    supplier_price_set,
    supplier_price_update,
)
from tests.srm.suppliers_fixtures import codes, day, refused

pytestmark = pytest.mark.django_db


def test_a_supplier_item_takes_the_suppliers_currency_and_lead_time_and_records_the_approval(
    supplier, element, make_user
):
    buyer = make_user(Role.BUYER)
    source = supplier_item_set(
        supplier=supplier, item=element, supplier_part_number=" HC-7 ", approval=Approval.APPROVED, user=buyer
    )
    source.refresh_from_db()
    assert (source.currency, source.lead_time_days, source.supplier_part_number) == (supplier.currency, 10, "HC-7")
    assert source.approval == Approval.APPROVED and source.approval_changed_by == buyer
    assert source.approval_changed_at is not None and not source.preferred


def test_a_customer_cannot_supply_and_an_item_is_supplied_once_per_supplier(customer, supplier, element):
    error = refused(supplier_item_set, supplier=customer, item=element)
    assert codes(error) == {("supplier", "not_a_supplier")}
    supplier_item_set(supplier=supplier, item=element)
    error = refused(supplier_item_set, supplier=supplier, item=element)
    assert codes(error) == {("item", "duplicate")}
    error = refused(supplier_item_set, supplier=supplier, item=element, min_order_qty=Decimal(-1), lead_time_days=-2)
    assert codes(error) == {("min_order_qty", "negative"), ("lead_time_days", "negative")}
    assert SupplierItem.objects.count() == 1


def test_only_an_approved_source_can_be_preferred_and_preferring_one_unsets_the_other(make_source, second_supplier):
    first = make_source(preferred=True)
    pending = make_source(supplier=second_supplier, approval=Approval.PENDING)
    error = refused(supplier_item_prefer, supplier_item=pending)
    assert codes(error) == {("preferred", "not_approved")}
    supplier_item_approval_set(supplier_item=pending, approval=Approval.APPROVED)
    supplier_item_prefer(supplier_item=pending)
    first.refresh_from_db()
    pending.refresh_from_db()
    assert (first.preferred, pending.preferred) == (False, True)


def test_the_database_holds_one_preferred_source_per_item(make_source, second_supplier):
    make_source(preferred=True)
    other = make_source(supplier=second_supplier)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplierItem.objects.filter(pk=other.pk).update(preferred=True)


def test_a_source_no_longer_approved_or_active_stops_being_preferred(make_source):
    source = make_source(preferred=True)
    supplier_item_approval_set(supplier_item=source, approval=Approval.CONDITIONAL)
    source.refresh_from_db()
    assert (source.approval, source.preferred) == (Approval.CONDITIONAL, False)

    supplier_item_approval_set(supplier_item=source, approval=Approval.APPROVED)
    supplier_item_prefer(supplier_item=source)
    supplier_item_update(supplier_item=source, active=False)
    source.refresh_from_db()
    assert (source.active, source.preferred) == (False, False)
    assert codes(refused(supplier_item_prefer, supplier_item=source)) == {("preferred", "not_approved")}


def test_an_unknown_approval_is_refused(make_source):
    source = make_source()
    error = refused(supplier_item_approval_set, supplier_item=source, approval="maybe")
    assert codes(error) == {("approval", "invalid_choice")}
    source.refresh_from_db()
    assert source.approval == Approval.APPROVED


def test_updating_terms_changes_only_those(make_source, usd):
    source = make_source(supplier_part_number="HC-7")
    supplier_item_update(supplier_item=source, lead_time_days=4, min_order_qty=Decimal(100), currency=usd)
    source.refresh_from_db()
    assert (source.lead_time_days, source.min_order_qty, source.currency, source.supplier_part_number) == (
        4,
        Decimal(100),
        usd,
        "HC-7",
    )
    with pytest.raises(TypeError):
        supplier_item_update(supplier_item=source, approval=Approval.DISQUALIFIED)


def test_the_currency_of_a_priced_source_cannot_change(make_source, usd):
    source = make_source(prices={0: "10"})
    error = refused(supplier_item_update, supplier_item=source, currency=usd)
    assert codes(error) == {("currency", "has_prices")}
    source.refresh_from_db()
    assert source.currency.code == "CNY"


def test_removing_a_source_removes_its_prices(make_source):
    source = make_source(prices={0: "10", 100: "9"})
    supplier_item_remove(supplier_item=source)
    assert not SupplierItem.objects.exists() and not SupplierPrice.objects.exists()


def test_price_breaks_of_one_minimum_may_not_overlap_in_time(make_source):
    source = make_source()
    supplier_price_set(supplier_item=source, min_quantity=Decimal(0), unit_price=Decimal(10), valid_to=day(30))
    supplier_price_set(supplier_item=source, min_quantity=Decimal(100), unit_price=Decimal(9))
    # The same break from the day after: the next period.
    supplier_price_set(supplier_item=source, min_quantity=Decimal(0), unit_price=Decimal(11), valid_from=day(31))
    error = refused(
        supplier_price_set,
        supplier_item=source,
        min_quantity=Decimal(0),
        unit_price=Decimal(12),
        valid_from=day(30),
        valid_to=day(60),
    )
    assert codes(error) == {("valid_from", "overlap")}
    assert "to" in error.messages[0] and "from 0" in error.messages[0]
    error = refused(supplier_price_set, supplier_item=source, min_quantity=Decimal(100), unit_price=Decimal(8))
    assert codes(error) == {("valid_from", "overlap")}
    assert SupplierPrice.objects.count() == 3


def test_bad_prices_are_refused_with_every_problem_named(make_source):
    source = make_source()
    error = refused(
        supplier_price_set,
        supplier_item=source,
        min_quantity=Decimal(-1),
        unit_price=Decimal(-5),
        valid_from=day(10),
        valid_to=day(5),
    )
    assert codes(error) == {("min_quantity", "negative"), ("unit_price", "negative"), ("valid_to", "invalid_period")}
    assert not SupplierPrice.objects.exists()


def test_a_price_is_updated_against_the_others_but_not_itself_and_removed(make_source):
    source = make_source()
    price = supplier_price_set(supplier_item=source, min_quantity=Decimal(0), unit_price=Decimal(10))
    later = supplier_price_set(
        supplier_item=source, min_quantity=Decimal(50), unit_price=Decimal(9), valid_from=day(10)
    )
    supplier_price_update(
        price=price, min_quantity=Decimal(0), unit_price=Decimal("9.5"), valid_from=None, valid_to=None
    )
    price.refresh_from_db()
    assert price.unit_price == Decimal("9.5")
    error = refused(
        supplier_price_update,
        price=later,
        min_quantity=Decimal(0),
        unit_price=Decimal(9),
        valid_from=None,
        valid_to=None,
    )
    assert codes(error) == {("valid_from", "overlap")}
    supplier_price_remove(price=later)
    assert list(SupplierPrice.objects.all()) == [price]
