"""The people screens."""

urlpatterns: list = []
