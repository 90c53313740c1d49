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
# Receiving, inspection, put-away and replenishment.
router.register("receipts", views.ReceiptViewSet)
router.register("quality", views.QualityViewSet, basename="quality")
router.register("tasks", views.StockTaskViewSet)
router.register("replenishment", views.ReplenishmentViewSet, basename="replenishment")
router.register("replenishment-rules", views.ReplenishmentRuleViewSet)
# Picking, packing and shipping.
router.register("pick-lists", views.PickListViewSet)
router.register("pick-lines", views.PickLineViewSet)
router.register("waves", views.WaveViewSet)
router.register("shipments", views.ShipmentViewSet)
# Counting.
router.register("cycle-counts", views.CycleCountViewSet)
# ERP's valuation hook: stock at a moment, from the ledger.
router.register("stock-snapshot", views.StockSnapshotViewSet, basename="stock-snapshot")

urlpatterns = router.urls
