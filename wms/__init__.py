"""WMS: physical stock, the one stock ledger."""
