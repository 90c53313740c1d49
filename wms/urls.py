from dataclasses import dataclass

from django.db.models import F
from django.urls import include, path

from core.views.generic import ObjectScreens
from wms import filtersets, forms, models, tables, views

app_name = "wms"


@dataclass
class Screens(ObjectScreens):
    """ObjectScreens with a title of their own: quants are "Stock" to the people who read them."""

    title: str = ""
    title_plural: str = ""
    prefix: str = ""

    @property
    def path_prefix(self) -> str:
        return self.prefix or super().path_prefix

    def context(self, user) -> dict:
        context = super().context(user)
        if self.title:
            context.update(verbose_name=self.title, verbose_name_plural=self.title_plural)
        return context


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

urlpatterns = [
    path("tablet/", include("wms.tablet_urls")),
    path("items/<int:pk>/stock/", views.ItemStockView.as_view(), name="item_stock"),
    path("move/", views.StockTransferView.as_view(), name="stock_transfer"),
    path("count/", views.StockCountView.as_view(), name="stock_count"),
    path("stock-requests/<int:pk>/<slug:command>/", views.stock_request_command, name="stockrequest_command"),
]
for screens in SCREENS:
    urlpatterns += screens.urls()
