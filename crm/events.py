"""The domain events `crm` publishes. Payloads are JSON; ids are strings, times ISO strings."""

# A service case breached an SLA target: published once per breach, by the Celery beat sweep
# (crm.tasks.sla_breaches_flag). payload: case (number), target ("response" or "resolution"), account (code),
# priority, owner (username or None), due (ISO), flagged_at (ISO).
SLA_BREACHED = "crm.service_case.sla_breached"

# A customer accepted a quote: the quote is won, and ERP holds its confirmed sales order (which publishes
# erp.sales_order.confirmed). payload: quote (number), version, customer (code), opportunity (id or None),
# sales_order, currency, net, total (tax included), promised_date (or None), customer_reference, accepted_at.
QUOTE_ACCEPTED = "crm.quote.accepted"
