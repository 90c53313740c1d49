from rest_framework.routers import DefaultRouter

from crm.api import accounts, cases, leads, opportunities, portal, quotes

router = DefaultRouter()
# Each area's API module registers its viewsets here: area.register(router).
for area in (accounts, leads, opportunities, quotes, portal, cases):
    area.register(router)

urlpatterns = router.urls
