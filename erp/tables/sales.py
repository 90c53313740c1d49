import django_tables2 as tables
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, QuantityColumn, TaktTable
from erp import models

# An order's value before tax, in its currency: what the list shows and sorts by (rounded per line on
# the detail page and the invoice; here to the cent of the sum).
NET_VALUE = Coalesce(
    Sum(
        ExpressionWrapper(
            F("lines__quantity") * F("lines__unit_price") * (Value(1) - F("lines__discount_pct") / Value(100)),
            output_field=DecimalField(max_digits=30, decimal_places=6),
        )
    ),
    Value(0),
    output_field=DecimalField(max_digits=30, decimal_places=6),
)
LIST_ANNOTATIONS = {"net_value": NET_VALUE}
PRICE_LIST_ANNOTATIONS = {"item_count": Count("items")}


class SalesOrderTable(TaktTable):
    number = tables.Column(linkify=True)
    customer = tables.Column(accessor="customer__code", verbose_name=_("Customer"), order_by=("customer__code",))
    customer_name = tables.Column(accessor="customer__name", verbose_name=_("Name"))
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), order_by=("currency__code",))
    net_value = DecimalColumn(verbose_name=_("Net value"), order_by=("net_value",))
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))

    class Meta(TaktTable.Meta):
        model = models.SalesOrder
        fields = (
            "number",
            "customer",
            "customer_name",
            "customer_reference",
            "order_date",
            "requested_date",
            "promised_date",
            "state",
            "currency",
            "net_value",
            "warehouse",
        )

    def render_net_value(self, value) -> str:
        return f"{value:,.2f}"


class PriceListTable(TaktTable):
    code = tables.Column(linkify=True)
    customer = tables.Column(accessor="customer__code", verbose_name=_("Customer"), order_by=("customer__code",))
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"))
    item_count = tables.Column(verbose_name=_("Prices"), attrs={"td": {"class": "text-end"}})

    class Meta(TaktTable.Meta):
        model = models.PriceList
        fields = ("code", "name", "customer", "currency", "valid_from", "valid_to", "active", "item_count")


class SalesForecastTable(TaktTable):
    reference = tables.Column(linkify=True)
    item = tables.Column(accessor="item__code", verbose_name=_("Item"), order_by=("item__code",))
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"))
    customer = tables.Column(accessor="customer__code", verbose_name=_("Customer"), order_by=("customer__code",))
    quantity = QuantityColumn()
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)

    class Meta(TaktTable.Meta):
        model = models.SalesForecast
        fields = ("reference", "item", "item_name", "customer", "due_date", "quantity", "unit")
