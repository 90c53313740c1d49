from rest_framework.routers import DefaultRouter

from mes.api import execution, genealogy, maintenance, oee, quality

router = DefaultRouter()
for area in (execution, genealogy, quality, maintenance, oee):
    area.register(router)

urlpatterns = [*oee.urls(), *router.urls]
