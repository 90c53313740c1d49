"""ERP tables, one module per area."""
