"""ERP forms, one module per area."""
