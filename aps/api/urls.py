from rest_framework.routers import DefaultRouter

from aps.api import mrp, planning

router = DefaultRouter()
for area in (mrp, planning):
    area.register(router)

urlpatterns = router.urls
