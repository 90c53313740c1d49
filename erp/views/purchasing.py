"""The purchasing screens."""

urlpatterns: list = []
