"""The production screens."""

urlpatterns: list = []
