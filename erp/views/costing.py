"""The costing screens."""

urlpatterns: list = []
