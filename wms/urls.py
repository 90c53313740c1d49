from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.urls import include, path

from core.views.generic import ObjectListView, ObjectScreens, ServiceScreens
from wms import filtersets, forms, models, tables, views

app_name = "wms"


@dataclass
class Screens(ServiceScreens):
    """ServiceScreens (records a service makes have a "New" page of their own: `add_view`) with a title of
    their own, since quants are "Stock" to the people who read them, and a list page of their own."""

    title: str = ""
    title_plural: str = ""
    prefix: str = ""
    list_view: type = ObjectListView

    @property
    def path_prefix(self) -> str:
        return self.prefix or super().path_prefix

    def context(self, user) -> dict:
        context = super().context(user)
        if self.title:
            context.update(verbose_name=self.title, verbose_name_plural=self.title_plural)
        return context

    def urls(self) -> list:
        patterns = super().urls()
        if self.list_view is not ObjectListView:
            name = f"{self.meta.model_name}_list"
            view = self.list_view.as_view(
                table_class=self.table, filterset_class=self.filterset, model=self.model, screens=self
            )
            patterns[0] = path(f"{self.path_prefix}/", view, name=name)
        return patterns


def quants_with_stock(queryset):
    return queryset.select_related("item__uom", "location", "lot").annotate(free=F("quantity") - F("reserved"))


def quants_in(**lookup):
    return quants_with_stock(models.Quant.objects.filter(quantity__gt=0, **lookup)).order_by(
        "location__code", "item__code"
    )


def moves_of(**lookup):
    return models.StockMove.objects.filter(**lookup).select_related(
        "item__uom", "lot", "from_location", "to_location", "moved_by"
    )[:100]


SCREENS = [
    Screens(
        model=models.Quant,
        table=tables.QuantTable,
        filterset=filtersets.QuantFilterSet,
        editable=False,
        select_related=("item__uom", "location", "lot"),
        annotate={"free": F("quantity") - F("reserved")},
        related=[
            (
                "Reservations",
                tables.ReservationTable,
                lambda q: q.reservations.select_related("line__request", "line__item", "quant__location", "quant__lot"),
            )
        ],
        title="stock",
        title_plural="stock",
        prefix="stock",
    ),
    ObjectScreens(
        model=models.StockMove,
        table=tables.StockMoveTable,
        filterset=filtersets.StockMoveFilterSet,
        editable=False,
        select_related=("item__uom", "lot", "from_location", "to_location", "moved_by"),
    ),
    ObjectScreens(
        model=models.Warehouse,
        table=tables.WarehouseTable,
        filterset=filtersets.WarehouseFilterSet,
        form=forms.WarehouseForm,
        select_related=("site", "stock_location"),
        related=[
            (
                "Locations",
                tables.LocationTable,
                lambda w: w.locations.select_related("warehouse", "parent").order_by("pick_sequence", "code"),
            )
        ],
    ),
    ObjectScreens(
        model=models.Location,
        table=tables.LocationTable,
        filterset=filtersets.LocationFilterSet,
        form=forms.LocationForm,
        select_related=("warehouse", "parent"),
        related=[
            (
                "Stock here and below",
                tables.QuantTable,
                lambda location: quants_in(location__in=filtersets.location_and_below(location)),
            ),
            (
                "Locations inside",
                tables.LocationTable,
                lambda location: location.children.select_related("warehouse", "parent").order_by(
                    "pick_sequence", "code"
                ),
            ),
        ],
    ),
    ObjectScreens(
        model=models.Lot,
        table=tables.LotTable,
        filterset=filtersets.LotFilterSet,
        form=forms.LotForm,
        select_related=("item",),
        related=[
            ("Stock", tables.QuantTable, lambda lot: quants_in(lot=lot)),
            ("Moves", tables.StockMoveTable, lambda lot: moves_of(lot=lot)),
        ],
    ),
    ObjectScreens(
        model=models.StockPolicy,
        table=tables.StockPolicyTable,
        filterset=filtersets.StockPolicyFilterSet,
        form=forms.StockPolicyForm,
        select_related=("item", "category"),
    ),
    ObjectScreens(
        model=models.StockRequest,
        table=tables.StockRequestTable,
        filterset=filtersets.StockRequestFilterSet,
        editable=False,
        select_related=("warehouse", "destination", "partner"),
        detail_view=views.StockRequestDetailView,
    ),
]

# Receiving, put-away, picking, shipping and counting: the planners' and managers' view of the floor's work.
FLOW_SCREENS = [
    Screens(
        model=models.Receipt,
        table=tables.ReceiptTable,
        filterset=filtersets.ReceiptFilterSet,
        editable=False,
        select_related=("warehouse", "supplier"),
        detail_view=views.ReceiptDetailView,
    ),
    Screens(
        model=models.StockTask,
        table=tables.StockTaskTable,
        filterset=filtersets.StockTaskFilterSet,
        editable=False,
        select_related=(
            "warehouse",
            "item__uom",
            "lot__item",
            "from_location",
            "to_location",
            "receipt",
            "done_by",
            "move__item",
            "move__from_location",
            "move__to_location",
        ),
        detail_view=views.StockTaskDetailView,
        prefix="stock-tasks",
    ),
    Screens(
        model=models.PickList,
        table=tables.PickListTable,
        filterset=filtersets.PickListFilterSet,
        editable=False,
        select_related=("request__partner", "request__warehouse", "wave"),
        detail_view=views.PickListDetailView,
    ),
    Screens(
        model=models.Wave,
        table=tables.WaveTable,
        filterset=filtersets.WaveFilterSet,
        editable=False,
        select_related=("warehouse", "created_by"),
        annotate={
            "pick_list_count": Count("pick_lists"),
            "open_count": Count("pick_lists", filter=Q(pick_lists__state=models.PickState.OPEN)),
        },
        detail_view=views.WaveDetailView,
        add_view=views.WaveCreateView,
    ),
    Screens(
        model=models.Shipment,
        table=tables.ShipmentTable,
        filterset=filtersets.ShipmentFilterSet,
        editable=False,
        select_related=("request__partner", "request__warehouse", "shipped_by"),
        detail_view=views.ShipmentDetailView,
    ),
    Screens(
        model=models.CycleCount,
        table=tables.CycleCountTable,
        filterset=filtersets.CycleCountFilterSet,
        editable=False,
        select_related=("warehouse", "location", "created_by", "approved_by"),
        detail_view=views.CycleCountDetailView,
        add_view=views.CycleCountCreateView,
    ),
    Screens(
        model=models.ReplenishmentRule,
        table=tables.ReplenishmentRuleTable,
        filterset=filtersets.ReplenishmentRuleFilterSet,
        form=forms.ReplenishmentRuleForm,
        select_related=("location", "item__uom"),
        list_view=views.ReplenishmentRuleListView,
    ),
]

urlpatterns = [
    path("tablet/", include("wms.tablet_urls")),
    path("items/<int:pk>/stock/", views.ItemStockView.as_view(), name="item_stock"),
    path("move/", views.StockTransferView.as_view(), name="stock_transfer"),
    path("count/", views.StockCountView.as_view(), name="stock_count"),
    path("stock-requests/<int:pk>/<slug:command>/", views.stock_request_command, name="stockrequest_command"),
    path("receipts/<int:pk>/<slug:command>/", views.receipt_command, name="receipt_command"),
    path("pick-lists/<int:pk>/pack/", views.PackView.as_view(), name="picklist_pack"),
    path("shipments/<int:pk>/pdf/", views.delivery_note_pdf_view, name="shipment_pdf"),
    path("shipments/<int:pk>/<slug:command>/", views.shipment_command, name="shipment_command"),
    path("cycle-counts/<int:pk>/<slug:command>/", views.cycle_count_command, name="cyclecount_command"),
    path("replenishment-rules/plan/", views.replenishment_plan_view, name="replenishment_plan"),
    path("quality/", views.QualityHoldView.as_view(), name="quality_hold"),
    path("quality/<int:pk>/<slug:decision>/", views.quality_decide, name="quality_decide"),
]
for screens in SCREENS + FLOW_SCREENS:
    urlpatterns += screens.urls()
