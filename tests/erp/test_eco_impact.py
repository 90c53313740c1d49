"""ERP tells an engineering change what it touches: stock, open production orders, parts on order."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from erp.models import ProductionOrder, PurchaseOrder, PurchaseOrderLine
from plm.services import changes
from plm.services.revisions import bom_line_update
from tests.plm.conftest import make_item, released_bom  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.django_db


def test_the_impact_recorded_on_submission_lists_stock_open_orders_and_parts_on_order(
    make_item,  # noqa: F811
    released_bom,  # noqa: F811
    make_user,
    company,
    supplier,
    warehouse,
    bin_,
    receive,
    client,
):
    kettle, element, body = make_item("KT-200", procurement="make"), make_item("HE-2000"), make_item("KT-BODY")
    released_bom(kettle, {body: 1, element: 1})
    receive(element, 40, bin_("A-01"))
    today = timezone.localdate()
    order = ProductionOrder.objects.create(
        number="MO-1", item=kettle, quantity=Decimal(100), start_date=today, due_date=today, warehouse=warehouse
    )
    order.components.create(position=1, item=element, qty_per=1, required_qty=100)
    purchase = PurchaseOrder.objects.create(
        number="PO-1",
        supplier=supplier,
        currency=company.currency,
        order_date=today,
        expected_date=today + datetime.timedelta(days=10),
        warehouse=warehouse,
        state="sent",
    )
    PurchaseOrderLine.objects.create(
        order=purchase, position=1, item=element, quantity=Decimal(500), unit_price=Decimal(12), received_qty=100
    )
    ProductionOrder.objects.create(  # closed orders are history, not impact
        number="MO-0", item=kettle, quantity=1, start_date=today, due_date=today, warehouse=warehouse, state="closed"
    )

    engineer = make_user(Role.ENGINEER)
    eco = changes.eco_create(title="3 kW element", reason="Boil time", effective_date=today, user=engineer)
    proposal = changes.eco_propose_bom(eco=eco, item=kettle)
    bom_line_update(line=proposal.lines.get(component=element), component=make_item("HE-3000"))
    eco = changes.eco_submit(eco=eco, user=engineer)

    sections = {section["title"]: section["rows"] for section in eco.impact["sections"]}
    assert sections["Stock of changed and obsoleted items"] == [
        {"Item": "KT-200", "Role": "changed", "On hand": "0", "Reserved": "0"},
        {"Item": "HE-2000", "Role": "no longer used", "On hand": "40", "Reserved": "0"},
    ]
    assert [row["Order"] for row in sections["Open production orders"]] == ["MO-1"]
    assert sections["Obsoleted parts still on order"] == [
        {
            "Purchase order": "PO-1",
            "Supplier": "HEATCO",
            "Item": "HE-2000",
            "Open quantity": "400",
            "Expected": (today + datetime.timedelta(days=10)).isoformat(),
        }
    ]
    client.force_login(engineer)
    page = client.get(eco.get_absolute_url()).content.decode()
    assert "Obsoleted parts still on order" in page and "PO-1" in page and "MO-1" in page
