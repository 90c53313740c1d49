"""ERP: sales, purchase and production orders, valuation, costing, finance, people."""
