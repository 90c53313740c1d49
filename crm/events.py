"""The domain events `crm` publishes. Payloads are JSON; ids are strings, times ISO strings."""

# A service case breached an SLA target: published once per breach, by the Celery beat sweep
# (crm.tasks.sla_breaches_flag). payload: case (number), target ("response" or "resolution"), account (code),
# priority, owner (username or None), due (ISO), flagged_at (ISO).
SLA_BREACHED = "crm.service_case.sla_breached"
