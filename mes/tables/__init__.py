"""MES tables, one module per area."""
