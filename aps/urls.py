from aps.views import mrp, planning

app_name = "aps"

urlpatterns = [*mrp.urlpatterns, *planning.urlpatterns]
