"""MES: execution on the shop floor, quality, genealogy, OEE."""
