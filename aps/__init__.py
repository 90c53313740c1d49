"""APS: MRP and finite-capacity scheduling."""
