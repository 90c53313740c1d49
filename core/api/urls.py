from rest_framework.routers import DefaultRouter

from core.api import views

router = DefaultRouter()
for prefix, viewset in views.VIEWSETS.items():
    router.register(prefix, viewset)
router.register("task-runs", views.TaskRunViewSet)

urlpatterns = router.urls
