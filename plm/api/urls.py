from rest_framework.routers import DefaultRouter

from plm.api import views

router = DefaultRouter()
router.register("bom-revisions", views.BomRevisionViewSet)
router.register("bom-lines", views.BomLineViewSet)
router.register("routing-revisions", views.RoutingRevisionViewSet)
router.register("routing-operations", views.RoutingOperationViewSet)
router.register("ecos", views.EngineeringChangeOrderViewSet)
# Reads of one item's engineering data; core's router owns the "item-*" route names.
router.register("items", views.ItemEngineeringViewSet, basename="item-engineering")
router.register("attachments", views.AttachmentViewSet)

urlpatterns = router.urls
