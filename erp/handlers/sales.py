"""ERP's handlers of the lower apps' events for sales."""

from decimal import Decimal

from core.models import DomainEvent
from core.services.events import subscribe
from erp.models import SalesOrder
from erp.services.sales import sales_order_register_shipment
from wms import events as wms_events


@subscribe(wms_events.SHIPMENT_SHIPPED, mode="same_transaction")
def sales_order_shipped(event: DomainEvent) -> None:
    """Count a shipment on its sales order, in the shipment's transaction: the order's shipped
    quantities never disagree with the stock that left."""
    payload = event.payload
    # The order whose own stock request shipped: the reference is free text anyone may type on a
    # request made in WMS, the request is what the order reserved.
    order = SalesOrder.objects.filter(stock_request__number=payload["request"]).first()
    if order is None:
        return  # a shipment WMS made for no sales order (samples, returns to a supplier)
    sales_order_register_shipment(
        order=order, shipped=[(line["item"], Decimal(line["quantity"])) for line in payload["lines"]]
    )
