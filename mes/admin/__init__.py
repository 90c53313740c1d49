"""The admin console for MES configuration (reason codes, inspection plans, maintenance plans) and a
read-only view of the production record."""

from mes.admin import execution, maintenance, quality  # noqa: F401  (each registers its models)
