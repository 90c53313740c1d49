"""The sales screens."""

urlpatterns: list = []
