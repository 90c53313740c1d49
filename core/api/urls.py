from rest_framework.routers import DefaultRouter

from core.api import tokens, views, webhooks

router = DefaultRouter()
for prefix, viewset in views.VIEWSETS.items():
    router.register(prefix, viewset)
router.register("task-runs", views.TaskRunViewSet)
router.register("tokens", tokens.ApiTokenViewSet)
router.register("webhooks", webhooks.WebhookEndpointViewSet)
router.register("webhook-deliveries", webhooks.WebhookDeliveryViewSet)

urlpatterns = router.urls
