"""MES filtersets, one module per area."""
