"""What an engineering change touches in stock and in open orders, for the ECO's impact record.

PLM cannot look up (ERP is above it, WMS beside it); ERP registers these providers with PLM.
"""

from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from core.formatting import trim_decimal
from core.models import Item
from erp.choices import ProductionOrderState, PurchaseOrderState
from erp.models import ProductionOrder, PurchaseOrderLine
from wms.choices import LocationKind
from wms.models import Quant

OPEN_PRODUCTION = [
    ProductionOrderState.PLANNED,
    ProductionOrderState.FIRM,
    ProductionOrderState.RELEASED,
    ProductionOrderState.IN_PROGRESS,
]
OPEN_PURCHASES = [
    PurchaseOrderState.DRAFT,
    PurchaseOrderState.SENT,
    PurchaseOrderState.CONFIRMED,
    PurchaseOrderState.PARTIALLY_RECEIVED,
]


def stock_impact(*, changed_items: list[Item], obsoleted_items: list[Item], **kwargs: Any) -> list[dict[str, Any]]:
    """On-hand stock of the changed items and of the parts the change stops using."""
    items = [*changed_items, *obsoleted_items]
    totals = (
        Quant.objects.filter(item__in=items, location__kind=LocationKind.INTERNAL)
        .values("item__code")
        .annotate(quantity=Sum("quantity"), reserved=Sum("reserved"))
    )
    by_code = {row["item__code"]: row for row in totals}
    nothing = {"quantity": Decimal(0), "reserved": Decimal(0)}
    obsoleted = {item.pk for item in obsoleted_items}
    return [
        {
            _("Item"): item.code,
            _("Role"): _("no longer used") if item.pk in obsoleted else _("changed"),
            _("On hand"): trim_decimal(by_code.get(item.code, nothing)["quantity"], 0),
            _("Reserved"): trim_decimal(by_code.get(item.code, nothing)["reserved"], 0),
        }
        for item in items
    ]


def production_impact(*, changed_items: list[Item], obsoleted_items: list[Item], **kwargs: Any) -> list[dict[str, Any]]:
    """Open production orders of the changed items, or consuming a part the change stops using."""
    orders = (
        ProductionOrder.objects.filter(state__in=OPEN_PRODUCTION)
        .filter(Q(item__in=changed_items) | Q(components__item__in=obsoleted_items))
        .select_related("item", "bom_revision")
        .distinct()
        .order_by("start_date", "number")
    )
    return [
        {
            _("Order"): order.number,
            _("Item"): order.item.code,
            _("Quantity"): trim_decimal(order.quantity, 0),
            _("State"): order.get_state_display(),
            _("Start"): order.start_date.isoformat(),
            _("BOM revision"): order.bom_revision.revision if order.bom_revision else "",
        }
        for order in orders
    ]


def purchase_impact(*, obsoleted_items: list[Item], **kwargs: Any) -> list[dict[str, Any]]:
    """Parts still on order that the change stops using: candidates to cancel or reduce."""
    lines = (
        PurchaseOrderLine.objects.filter(item__in=obsoleted_items, order__state__in=OPEN_PURCHASES)
        .select_related("order__supplier", "item")
        .order_by("order__number", "position")
    )
    return [
        {
            _("Purchase order"): line.order.number,
            _("Supplier"): line.order.supplier.code,
            _("Item"): line.item.code,
            _("Open quantity"): trim_decimal(max(line.quantity - line.received_qty, Decimal(0)), 0),
            _("Expected"): (line.expected_date or line.order.expected_date).isoformat(),
        }
        for line in lines
    ]
