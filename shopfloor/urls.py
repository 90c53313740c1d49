from shopfloor import views

app_name = "shopfloor"

urlpatterns = views.urlpatterns
