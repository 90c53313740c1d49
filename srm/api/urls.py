from rest_framework.routers import DefaultRouter

from srm.api import asns, portal, sourcing, suppliers

router = DefaultRouter()
# Each area's API module registers its viewsets here: area.register(router).
for area in (suppliers, portal, asns, sourcing):
    area.register(router)

urlpatterns = router.urls
