"""The finance screens."""

urlpatterns: list = []
