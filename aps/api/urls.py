from rest_framework.routers import DefaultRouter

from aps.api import mrp, planning, scheduling

router = DefaultRouter()
for area in (mrp, planning, scheduling):
    area.register(router)

urlpatterns = [*scheduling.urls(), *router.urls]
