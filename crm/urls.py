from crm.views import accounts, cases, leads, opportunities, quotes, tracking

app_name = "crm"

# Each area's views module adds its screens here.
urlpatterns = [
    *accounts.urlpatterns,
    *leads.urlpatterns,
    *cases.urlpatterns,
    *opportunities.urlpatterns,
    *quotes.urlpatterns,
    *tracking.urlpatterns,
]
