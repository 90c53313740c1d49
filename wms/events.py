"""The domain events `wms` publishes. Payloads are JSON; ids are strings, quantities decimal strings."""

# A stock move was posted (same transaction: ERP values it there).
# payload: move_id, item, lot, quantity, from_location, to_location, kind, unit_cost, reference.
STOCK_MOVED = "wms.stock.moved"

# Goods were received against a receipt line (ERP completes its purchase order line from this).
# payload: receipt, line_id, order_line_ref, reference, item, quantity, lot, unit_cost, quality_hold.
GOODS_RECEIVED = "wms.goods.received"

# A receipt was closed; lines received short say so. payload: receipt, reference, lines: [{line_id,
# order_line_ref, item, expected, received}].
RECEIPT_CLOSED = "wms.receipt.closed"

# A shipment left: shipped from a pick list (delivery_note set) or delivered straight from the
# request's reservations (delivery_note, carrier and tracking_number empty). payload: delivery_note,
# request, reference (the sales order), carrier, tracking_number, lines: [{item, lot, quantity}].
SHIPMENT_SHIPPED = "wms.shipment.shipped"
