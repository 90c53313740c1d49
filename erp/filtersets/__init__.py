"""ERP filtersets, one module per area."""
