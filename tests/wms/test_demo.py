"""The demo warehouse: SmartAppliance Co.'s MAIN, loaded by demo_load after core and PLM."""

import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from core.models import Item
from wms.choices import RemovalStrategy, RequestState
from wms.models import Location, Quant, StockMove, StockRequest, Warehouse
from wms.selectors.stock import available, ledger_mismatches, on_hand, removal_strategy_for
from wms.services.requests import stock_request_reserve
from wms.urls import SCREENS


@pytest.fixture
def demo(demo_loaded, db):
    pass


def test_the_demo_warehouse_has_its_zones_aisles_and_bins(demo):
    warehouse = Warehouse.objects.get(code="MAIN")
    assert warehouse.site.code == "SZ1"
    assert (warehouse.receiving_location.code, warehouse.quality_location.code, warehouse.output_location.code) == (
        "MAIN/RECV",
        "MAIN/QC",
        "MAIN/OUT",
    )
    bins = Location.objects.filter(parent__parent__code="MAIN/STOCK").order_by("pick_sequence")
    codes = [location.code.rsplit("/", 1)[1] for location in bins]
    assert len(codes) == 24
    assert codes[6:10] == ["A-07", "A-08", "B-08", "B-07"]  # up aisle A, down aisle B
    assert bins.filter(capacity_qty__isnull=False).count() == 16


def test_the_demo_stock_is_explained_by_the_ledger(demo):
    assert ledger_mismatches() == []
    call_command("wms_check", stdout=io.StringIO())
    steel = Item.objects.get(code="SS-304")
    assert on_hand(item=steel) == 1800
    element = Item.objects.get(code="HE-2000")
    assert (on_hand(item=element), available(item=element)) == (600, 400)  # 200 wait in quality hold
    in_stock = Quant.objects.filter(lot__isnull=False, item__tracking="lot", quantity__gt=0)
    assert all(q.lot.expiry_date for q in in_stock)
    assert StockMove.objects.filter(moved_by__username="warehouse").count() == StockMove.objects.count()


def test_the_demo_requests_one_reserved_shipment_and_one_open_material_request(demo):
    shipment = StockRequest.objects.get(reference="SO-2026-00012")
    assert shipment.state == RequestState.RESERVED and shipment.partner.code == "C-MEDIA"
    # CRM's demo confirms orders of its own (accepted quotes), which reserve kettles too.
    kettles = Quant.objects.filter(item__code="KT-200", reserved=1, reservations__line__request=shipment)
    assert kettles.count() == 12
    material = StockRequest.objects.get(reference="MO-2026-00008")
    assert material.state == RequestState.OPEN


def test_the_demo_policies_take_raw_material_by_expiry_and_packaging_by_location(demo):
    assert removal_strategy_for(Item.objects.get(code="SS-304")) == RemovalStrategy.FEFO
    assert removal_strategy_for(Item.objects.get(code="BOX-KT")) == RemovalStrategy.LOCATION
    material = stock_request_reserve(request=StockRequest.objects.get(reference="MO-2026-00008"))
    steel = material.lines.get(item__code="SS-304").reservations.get()
    assert steel.quant.lot.code == "SS-2610-207" and steel.quantity == Decimal("53.424")  # expires first


def test_the_demo_loads_again_without_changing_anything(demo):
    before = (LogEntry.objects.count(), StockMove.objects.count(), StockRequest.objects.count())
    call_command("demo_load", stdout=io.StringIO())
    assert (LogEntry.objects.count(), StockMove.objects.count(), StockRequest.objects.count()) == before


@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s.meta.label)
def test_every_warehouse_screen_renders_over_the_demo(client, demo, screens):
    client.force_login(get_user_model().objects.get(username="admin"))
    assert client.get(reverse(screens.url_name("list"))).status_code == 200
    obj = screens.get_queryset().first()
    assert obj is not None, "the demo has no record of this kind"
    assert client.get(reverse(screens.url_name("detail"), args=[obj.pk])).status_code == 200
    if screens.editable:
        assert client.get(reverse(screens.url_name("edit"), args=[obj.pk])).status_code == 200


def test_every_demo_items_stock_page_renders(client, demo):
    client.force_login(get_user_model().objects.get(username="warehouse"))
    for item in Item.objects.all():
        assert client.get(reverse("wms:item_stock", args=[item.pk])).status_code == 200, item.code
