"""A small plant for MRP: items, BOMs, stock and open orders built straight from rows, so each test
states exactly the situation it hand-computes."""

import datetime
import itertools
from decimal import Decimal

import pytest

from aps.models import MasterScheduleEntry
from core.choices import LotPolicy, Procurement
from core.models import Item, Unit, WorkCenter
from erp.choices import ProductionOrderState, PurchaseOrderState, SalesOrderState
from erp.models import (
    ProductionComponent,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesForecast,
    SalesOrder,
    SalesOrderLine,
)
from plm.choices import RevisionState
from plm.models import BomLine, BomRevision, RoutingOperation, RoutingRevision
from tests.aps.scheduling_plant import Shop
from tests.erp.conftest import company, customer, supplier  # noqa: F401  (shared fixtures)
from tests.wms.conftest import bin_, receive, warehouse  # noqa: F401

TODAY = datetime.date(2026, 11, 23)  # a Monday


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


class Plant:
    def __init__(self, *, stock_at, locate, post_receipt, sold_to, bought_from):
        self.warehouse, self.bin, self.receive = stock_at, locate, post_receipt
        self.customer, self.supplier = sold_to, bought_from
        self.numbers = itertools.count(1)

    def item(self, code, *, make=False, uom="ea", lead=0, safety=0, policy=LotPolicy.LOT_FOR_LOT, **lot) -> Item:
        return Item.objects.create(
            code=code,
            name=code,
            uom=Unit.objects.get(code=uom),
            procurement=Procurement.MAKE if make else Procurement.BUY,
            lead_time_days=lead,
            safety_stock=Decimal(safety),
            lot_policy=policy,
            default_supplier=None if make else self.supplier,
            **{key: Decimal(value) for key, value in lot.items()},
        )

    def bom(self, parent, lines, revision="A", **window) -> BomRevision:
        """lines: (component, qty_per, scrap %), in the component's unit."""
        bom = BomRevision.objects.create(item=parent, revision=revision, state=RevisionState.RELEASED, **window)
        for position, (component, qty_per, scrap) in enumerate(lines, start=1):
            BomLine.objects.create(
                bom=bom,
                position=position,
                component=component,
                qty_per=Decimal(qty_per),
                scrap_pct=Decimal(scrap),
                uom=component.uom,
            )
        return bom

    def routing(self, parent, minutes="1") -> RoutingRevision:
        work_center = WorkCenter.objects.get_or_create(code="ASSY", defaults={"name": "Assembly"})[0]
        routing = RoutingRevision.objects.create(item=parent, revision="A", state=RevisionState.RELEASED)
        RoutingOperation.objects.create(
            routing=routing, seq=10, name="Assemble", work_center=work_center, run_minutes_per_unit=Decimal(minutes)
        )
        return routing

    def stock(self, item, quantity, *, hold=False):
        location = self.warehouse.quality_location if hold else self.bin("A-01")
        self.receive(item, quantity, location)

    def sale(self, item, quantity, due, *, shipped=0, state=SalesOrderState.CONFIRMED) -> SalesOrderLine:
        order = SalesOrder.objects.create(
            number=f"SO-{next(self.numbers)}",
            customer=self.customer,
            currency=self.customer.currency,
            order_date=TODAY - datetime.timedelta(days=30),
            requested_date=due,
            warehouse=self.warehouse,
            state=state,
        )
        return SalesOrderLine.objects.create(
            order=order,
            position=1,
            item=item,
            quantity=Decimal(quantity),
            shipped_qty=Decimal(shipped),
            unit_price=Decimal("10"),
            requested_date=due,
        )

    def forecast(self, item, quantity, due, reference="FC") -> SalesForecast:
        return SalesForecast.objects.create(reference=reference, item=item, due_date=due, quantity=Decimal(quantity))

    def purchase(self, item, quantity, due, *, received=0, state=PurchaseOrderState.SENT) -> PurchaseOrderLine:
        order = PurchaseOrder.objects.create(
            number=f"PO-{next(self.numbers)}",
            supplier=self.supplier,
            currency=self.supplier.currency,
            order_date=TODAY - datetime.timedelta(days=10),
            expected_date=due,
            warehouse=self.warehouse,
            state=state,
        )
        return PurchaseOrderLine.objects.create(
            order=order,
            position=1,
            item=item,
            quantity=Decimal(quantity),
            received_qty=Decimal(received),
            unit_price=Decimal("1"),
        )

    def production(self, item, quantity, start, due, *, state=ProductionOrderState.FIRM, components=()):
        """components: (item, required, issued) copied onto a firm or released order."""
        order = ProductionOrder.objects.create(
            number=f"MO-{next(self.numbers)}",
            item=item,
            quantity=Decimal(quantity),
            start_date=start,
            due_date=due,
            warehouse=self.warehouse,
            state=state,
        )
        for position, (component, required, issued) in enumerate(components, start=1):
            ProductionComponent.objects.create(
                order=order,
                position=position,
                item=component,
                qty_per=Decimal(required) / Decimal(quantity),
                required_qty=Decimal(required),
                issued_qty=Decimal(issued),
            )
        return order

    def schedule(self, item, week_start, quantity) -> MasterScheduleEntry:
        return MasterScheduleEntry.objects.create(item=item, week_start=week_start, quantity=Decimal(quantity))


@pytest.fixture
def plant(warehouse, bin_, receive, customer, supplier):  # noqa: F811
    return Plant(stock_at=warehouse, locate=bin_, post_receipt=receive, sold_to=customer, bought_from=supplier)


@pytest.fixture
def shop(warehouse):  # noqa: F811
    return Shop(warehouse)
