"""The domain events `erp` publishes. Payloads are JSON; ids are strings, quantities and amounts decimal
strings, dates ISO strings. Upper apps (APS, MES, CRM) subscribe to them; ERP never imports them.
"""

# A sales order was confirmed (credit checked, stock reserved) or cancelled (reservations released).
# payload (both): order, customer, currency, total (tax included, order currency), stock_request,
# lines: [{position, item, quantity, requested_date, promised_date}].
SALES_ORDER_CONFIRMED = "erp.sales_order.confirmed"
SALES_ORDER_CANCELLED = "erp.sales_order.cancelled"

# A purchase order was sent: WMS expects its goods on a receipt. payload: number, supplier, currency,
# receipt, lines: [{position, reference, item, quantity, unit_price, expected_date}].
PURCHASE_ORDER_SENT = "erp.purchase_order.sent"
# A purchase order was cancelled before anything was received. payload: number, supplier, receipt
# (None for a draft).
PURCHASE_ORDER_CANCELLED = "erp.purchase_order.cancelled"

# A production order was released to the shop floor: its material request is reserved in WMS and its
# first operation is ready. MES adds it to the dispatch lists, APS to the schedule.
# payload: order_id, number, item, quantity, unit, start_date, due_date, warehouse, sales_order (or None),
# bom_revision, routing_revision, operations: [{id, seq, name, work_center, state, setup_minutes,
# run_minutes_per_unit, queue_minutes, move_minutes, crew_size}].
PRODUCTION_ORDER_RELEASED = "erp.production_order.released"

# A production order was completed: no more output is expected. MES closes its dispatch entries, APS frees
# the remaining capacity, CRM shows the sales order's progress.
# payload: order_id, number, item, quantity, completed_qty, scrapped_qty, completed_at, sales_order (or None).
PRODUCTION_ORDER_COMPLETED = "erp.production_order.completed"

# A completed production order was closed: its variances are stored and one journal entry clears its WIP
# into the variance accounts; nothing more is booked to it.
# payload: order_id, number, item, completed_qty, scrapped_qty, variances ({kind: amount}, company currency),
# wip_cleared, journal_entry (number), date (of the entry), closed_at.
PRODUCTION_ORDER_CLOSED = "erp.production_order.closed"

# A posted invoice (customer or supplier) was booked: receivables or payables hold it now.
# payload: invoice, kind (customer | supplier), partner, currency, net_amount, tax_amount, total_amount,
# invoice_date, due_date, sales_order (or None), purchase_order (or None).
INVOICE_POSTED = "erp.invoice.posted"
# Money was recorded against a posted invoice. payload: payment, invoice, kind, partner, currency, amount,
# date, reference, paid_amount, open_amount, paid (whether the invoice is paid in full now).
PAYMENT_REGISTERED = "erp.payment.registered"

# A production order was cancelled before anything was issued to it: nobody works on it any more.
# payload: order_id, number, item, quantity, previous_state.
PRODUCTION_ORDER_CANCELLED = "erp.production_order.cancelled"
