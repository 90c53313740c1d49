from srm.views import asns, contracts, scorecards, sourcing, suppliers

app_name = "srm"

# Each area's views module adds its screens here.
urlpatterns = [
    *suppliers.urlpatterns,
    *asns.urlpatterns,
    *scorecards.urlpatterns,
    *sourcing.urlpatterns,
    *contracts.urlpatterns,
]
