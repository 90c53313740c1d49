"""What ERP does when lower apps report: one module per area, imported by ErpConfig.ready()."""

from erp.handlers import purchasing, sales, valuation

__all__ = ["purchasing", "sales", "valuation"]
