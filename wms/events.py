"""The domain events `wms` publishes. Payloads are JSON; ids are strings, quantities decimal strings."""

# A stock move was posted (same transaction: ERP values it there).
# payload: move_id, item, lot, quantity, from_location, to_location, kind, unit_cost, reference.
STOCK_MOVED = "wms.stock.moved"
