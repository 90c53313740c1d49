"""Reads of the supplier portal: what of a purchase order line may still be announced on an ASN.

The order's WMS receipt knows: announced goods have receipt lines of their own (with the ASN's number),
carved out of the order line's line of goods not announced yet, so what is still open to announce is
that line's outstanding quantity (none once it is all announced or received)."""

from decimal import Decimal

from django.db.models import CharField, DecimalField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Greatest

from erp.models import PurchaseOrder, PurchaseOrderLine
from wms.models import ReceiptLine

ZERO = Decimal(0)
QUANTITY_FIELD = DecimalField(max_digits=18, decimal_places=6)


def open_to_announce():
    """An expression for purchase order lines: the quantity still open to announce (0 without a receipt)."""
    unannounced = (
        ReceiptLine.objects.filter(
            receipt_id=OuterRef("order__receipt_id"),
            asn_number="",
            order_line_ref=Concat(
                OuterRef("order__number"), Value("/"), Cast(OuterRef("position"), CharField()), output_field=CharField()
            ),
        )
        .annotate(still_open=Greatest(F("expected_qty") - F("received_qty"), Value(ZERO), output_field=QUANTITY_FIELD))
        .values("still_open")[:1]
    )
    return Coalesce(Subquery(unannounced, output_field=QUANTITY_FIELD), Value(ZERO), output_field=QUANTITY_FIELD)


def order_lines_open_to_announce(*, order: PurchaseOrder) -> QuerySet[PurchaseOrderLine]:
    """The order's lines, each with `open_qty`: what may still be announced."""
    return order.lines.annotate(open_qty=open_to_announce()).order_by("position")


def announceable_quantities(*, order: PurchaseOrder) -> dict[int, Decimal]:
    """Per order line (by id): what may still be announced."""
    return dict(order_lines_open_to_announce(order=order).values_list("pk", "open_qty"))
