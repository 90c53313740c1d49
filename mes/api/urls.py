from rest_framework.routers import DefaultRouter

from mes.api import exchange, execution, genealogy, maintenance, oee, quality

router = DefaultRouter()
for area in (execution, genealogy, quality, maintenance, oee, exchange):
    area.register(router)

urlpatterns = [*oee.urls(), *router.urls]
