"""ERP's handlers of the lower apps' events for purchasing.

Both run inside the warehouse's transaction: a receipt and the order it fills must agree, so an
over-receipt refused here undoes the receipt in WMS (the receiving screen or API shows the reason).
"""

from decimal import Decimal

from core.models import DomainEvent
from core.services.events import subscribe
from erp.services.purchasing import purchase_order_line_receive, purchase_order_receipt_closed
from wms import events


@subscribe(events.GOODS_RECEIVED, mode="same_transaction")
def goods_received(event: DomainEvent) -> None:
    payload = event.payload
    if payload.get("order_line_ref"):
        purchase_order_line_receive(reference=payload["order_line_ref"], quantity=Decimal(payload["quantity"]))


@subscribe(events.RECEIPT_CLOSED, mode="same_transaction")
def receipt_closed(event: DomainEvent) -> None:
    purchase_order_receipt_closed(receipt=event.payload["receipt"])
