from rest_framework.routers import DefaultRouter

from wms.api import views

router = DefaultRouter()
router.register("warehouses", views.WarehouseViewSet)
router.register("locations", views.LocationViewSet)
router.register("lots", views.LotViewSet)
router.register("quants", views.QuantViewSet)
router.register("stock-moves", views.StockMoveViewSet)
router.register("stock-requests", views.StockRequestViewSet)
# One item's stock; core's router owns the "item-*" route names, PLM's "item-engineering-*".
router.register("items", views.ItemStockViewSet, basename="item-stock")

urlpatterns = router.urls
