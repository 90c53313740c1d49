"""SmartAppliance Co.'s supplier master after demo_load: every bought item has a preferred approved source with
price breaks, some a conditional second source; the minor supplier whose certificate expired is blocked, with
the reason; MRP's planned purchases go to the preferred sources and are firmed at their prices."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aps.choices import PlannedOrderKind
from aps.models import PlannedOrder
from aps.services.firming import planned_orders_firm
from core.choices import Procurement
from core.models import BlockPurpose, Item, Partner
from core.selectors.partners import partner_blocks_in_force
from erp.services.purchasing import purchase_order_create
from srm.models import Approval, Certificate, SupplierItem
from srm.selectors.sources import price_at
from srm.services.suppliers import certificates_expiry_warn
from wms.selectors.stock import default_warehouse


@pytest.fixture
def demo(demo_loaded, db):
    pass


def test_every_bought_item_has_a_preferred_approved_source_with_price_breaks(demo):
    bought = Item.objects.filter(procurement=Procurement.BUY, default_supplier__isnull=False)
    for item in bought:
        source = SupplierItem.objects.get(item=item, preferred=True)
        assert (source.supplier, source.approval) == (item.default_supplier, Approval.APPROVED), item.code
        assert source.prices.count() == 3
    assert SupplierItem.objects.filter(approval=Approval.CONDITIONAL).count() == 2


def test_the_minor_supplier_with_an_expired_certificate_is_blocked_with_the_reason(demo):
    lianyi = Partner.objects.get(code="S-LIANYI")
    blocks = partner_blocks_in_force(partner=lianyi, purpose=BlockPurpose.PURCHASING, on=timezone.localdate())
    assert [block.reason for block in blocks] == [
        f"ISO 9001 certificate LY-9001-2211 expired on {Certificate.objects.get(supplier=lianyi).valid_to.isoformat()}"
    ]
    with pytest.raises(ValidationError, match="expired on"):
        purchase_order_create(supplier=lianyi, warehouse=default_warehouse())
    for code in ("S-HEAT", "S-STEEL", "S-POLY", "S-CABLE", "S-PACK", "S-HUAMEI"):
        supplier = Partner.objects.get(code=code)
        assert not partner_blocks_in_force(partner=supplier, purpose=BlockPurpose.PURCHASING, on=timezone.localdate())


def test_the_cable_suppliers_rohs_declaration_is_warned_of(demo):
    warned = certificates_expiry_warn(today=timezone.localdate(), days=30)
    assert [(c.supplier.code, c.kind) for c in warned] == [("S-CABLE", "rohs")]


def test_planned_purchases_go_to_the_preferred_sources_and_are_firmed_at_their_breaks(demo):
    buys = PlannedOrder.objects.filter(kind=PlannedOrderKind.BUY).select_related("item", "supplier")
    assert buys.exists()
    for order in buys:
        assert order.supplier == SupplierItem.objects.get(item=order.item, preferred=True).supplier, order.number
    order = buys.filter(supplier__code="S-HEAT").order_by("due_date").first()
    purchase = planned_orders_firm(orders=[order])[0]
    source = SupplierItem.objects.get(item=order.item, supplier=order.supplier)
    line = purchase.lines.get()
    assert line.unit_price == price_at(supplier_item=source, quantity=order.quantity, on=timezone.localdate())


def test_the_supplier_pages_render_over_the_demo(demo, client):
    client.force_login(get_user_model().objects.get(username="buyer"))
    lianyi = Partner.objects.get(code="S-LIANYI")
    pages = [
        reverse("srm:supplier_list"),
        reverse("srm:supplier_detail", args=[Partner.objects.get(code="S-HEAT").pk]),
        reverse("srm:supplier_detail", args=[lianyi.pk]),
        reverse("srm:supplieritem_list"),
        reverse("srm:certificate_list"),
        reverse("srm:item_sources", args=[Item.objects.get(code="HE-2000").pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "expired on" in client.get(pages[2]).content.decode()
