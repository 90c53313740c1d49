from aps.views import mrp, planning, promise, scheduling

app_name = "aps"

urlpatterns = [*mrp.urlpatterns, *planning.urlpatterns, *scheduling.urlpatterns, *promise.urlpatterns]
