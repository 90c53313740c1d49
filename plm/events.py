"""The domain events `plm` publishes. Payloads are JSON; ids are strings."""

# An engineering change was released. payload: eco_id, number, effective_date,
# bom_revisions / routing_revisions: [{"id", "item", "revision", "replaces"}].
ECO_RELEASED = "plm.eco.released"
