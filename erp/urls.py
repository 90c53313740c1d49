from erp.views import costing, finance, people, production, purchasing, sales

app_name = "erp"

urlpatterns = [
    *sales.urlpatterns,
    *purchasing.urlpatterns,
    *production.urlpatterns,
    *costing.urlpatterns,
    *finance.urlpatterns,
    *people.urlpatterns,
]
