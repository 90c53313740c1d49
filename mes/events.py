"""The domain events `mes` publishes. Payloads are JSON; ids are strings, quantities decimal strings.
Upper apps (CRM for service cases, SRM for supplier scorecards) subscribe to them; MES never imports them.
"""

# A nonconformance was raised: by a failed inspection or by hand. Its lot, if any, is on hold until a
# disposition decides. payload: number, item, lot (or None), quantity, supplier (or None), order and
# operation_seq (or None), inspection (or None), description, raised_at.
NONCONFORMANCE_RAISED = "mes.nonconformance.raised"

# An operation started on a machine (from the operator's tablet, the machine's PLC, or the API).
# payload: order (number), operation_seq, operation (name), work_center, machine, employee (number or None),
# source (tablet | machine | api ...), started_at.
OPERATION_STARTED = "mes.operation.started"
# An operation was completed on its machine: what the run counted and ran is booked to ERP, the next
# operation is ready. payload: order, operation_seq, operation, work_center, machine, employee (number or None),
# source, good_qty, scrap_qty (of this run), run_minutes, started_at, finished_at.
OPERATION_COMPLETED = "mes.operation.completed"

# An inspection was recorded against its plan, passed or failed (a failed one also raises a
# nonconformance: mes.nonconformance.raised). payload: number, plan, item, result (passed | failed),
# order and operation_seq (or None), lot (or None), receipt (or None), supplier (a receipt's, or None),
# sample_qty, nonconformance (or None), inspected_at, measurements: [{position, characteristic, value
# (or None for pass/fail), passed}].
INSPECTION_RECORDED = "mes.inspection.recorded"
