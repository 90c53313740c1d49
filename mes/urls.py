from mes.views import execution, genealogy, maintenance, oee, quality, tablet

app_name = "mes"

urlpatterns = [
    *execution.urlpatterns,
    *tablet.urlpatterns,
    *oee.urlpatterns,
    *genealogy.urlpatterns,
    *quality.urlpatterns,
    *maintenance.urlpatterns,
]
