"""The domain events `mes` publishes. Payloads are JSON; ids are strings, quantities decimal strings.
Upper apps (CRM for service cases, SRM for supplier scorecards) subscribe to them; MES never imports them.
"""

# A nonconformance was raised: by a failed inspection or by hand. Its lot, if any, is on hold until a
# disposition decides. payload: number, item, lot (or None), quantity, supplier (or None), order and
# operation_seq (or None), inspection (or None), description, raised_at.
NONCONFORMANCE_RAISED = "mes.nonconformance.raised"
