from rest_framework.routers import DefaultRouter

from aps.api import mrp, planning, promise, scheduling

router = DefaultRouter()
for area in (mrp, planning, scheduling, promise):
    area.register(router)

urlpatterns = [*scheduling.urls(), *router.urls]
