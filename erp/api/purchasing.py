"""The purchasing API."""


def register(router) -> None:
    """Add this area's viewsets to the ERP router."""
