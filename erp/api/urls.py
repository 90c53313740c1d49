from rest_framework.routers import DefaultRouter

from erp.api import costing, finance, people, production, purchasing, sales

router = DefaultRouter()
for area in (sales, purchasing, production, costing, finance, people):
    area.register(router)

urlpatterns = router.urls
