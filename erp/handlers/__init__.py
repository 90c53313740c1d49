"""What ERP does when lower apps report: one module per area, imported by ErpConfig.ready()."""

from erp.handlers import production, purchasing, sales, valuation

__all__ = ["production", "purchasing", "sales", "valuation"]
