from rest_framework.routers import DefaultRouter

from shopfloor.api import views

router = DefaultRouter()
router.register("devices", views.DeviceViewSet)
router.register("tags", views.TagViewSet)
router.register("counters", views.TagCounterViewSet)
router.register("device-status", views.DeviceStatusViewSet, basename="device-status")

urlpatterns = router.urls
