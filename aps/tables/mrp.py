"""Tables of the MRP lists, and the pages an exception, a demand or a supply of the plan is about."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aps.models import MrpException, PlanDemand, PlannedOrder, PlanSupply
from core.tables import QuantityColumn, TaktTable


def item_plan_url(item) -> str:
    return reverse("aps:item_plan", args=[item.code])


def supply_url(supply: PlanSupply) -> str | None:
    """The open order behind a scheduled receipt; None for stock on hand."""
    if supply.purchase_order_line_id:
        return supply.purchase_order_line.order.get_absolute_url()
    if supply.production_order_id:
        return supply.production_order.get_absolute_url()
    return None


def demand_url(demand: PlanDemand) -> str | None:
    """Where a requirement comes from: the sales order, the forecast, the parent's real or planned order."""
    if demand.sales_order_line_id:
        return demand.sales_order_line.order.get_absolute_url()
    if demand.production_order_id:
        return demand.production_order.get_absolute_url()
    if demand.parent_order_id:
        return demand.parent_order.get_absolute_url()
    if demand.forecast_id:
        return demand.forecast.get_absolute_url()
    return None


def about_url(exception: MrpException) -> str | None:
    """The page of the order or demand an exception is about."""
    if exception.planned_order_id:
        return exception.planned_order.get_absolute_url()
    if exception.supply_id:
        return supply_url(exception.supply)
    if exception.demand_id:
        return demand_url(exception.demand)
    return None


def firmed_order(order: PlannedOrder):
    """The real order a firmed planned order became, if any."""
    return order.production_order or order.purchase_order


class PlannedOrderTable(TaktTable):
    # Only planned orders can be ticked for firming; the column stays out of CSV exports.
    select = tables.TemplateColumn(
        '{% if record.state == "planned" %}<input class="form-check-input" type="checkbox" name="orders" '
        'value="{{ record.pk }}" aria-label="{{ record.number }}">{% endif %}',
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )
    number = tables.Column(linkify=True)
    item = tables.Column(
        accessor="item__code",
        verbose_name=_("Item"),
        order_by=("item__code",),
        linkify=lambda record: item_plan_url(record.item),
    )
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"))
    quantity = QuantityColumn()
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)
    supplier = tables.Column(accessor="supplier__code", verbose_name=_("Supplier"), order_by=("supplier__code",))
    firmed_as = tables.Column(
        accessor="pk",
        verbose_name=_("Firmed as"),
        orderable=False,
        linkify=lambda record: firmed_order(record) and firmed_order(record).get_absolute_url(),
    )

    class Meta(TaktTable.Meta):
        model = PlannedOrder
        fields = (
            "select",
            "number",
            "item",
            "item_name",
            "kind",
            "quantity",
            "unit",
            "start_date",
            "due_date",
            "supplier",
            "state",
            "firmed_as",
        )

    def render_firmed_as(self, record) -> str:
        order = firmed_order(record)
        return order.number if order is not None else "—"

    def value_firmed_as(self, record) -> str:
        order = firmed_order(record)
        return order.number if order is not None else ""


class MrpExceptionTable(TaktTable):
    item = tables.Column(
        accessor="item__code",
        verbose_name=_("Item"),
        order_by=("item__code",),
        linkify=lambda record: item_plan_url(record.item),
    )
    reference = tables.Column(linkify=lambda record: about_url(record))
    quantity = QuantityColumn()

    class Meta(TaktTable.Meta):
        model = MrpException
        fields = ("kind", "item", "reference", "message", "due_date", "suggested_date", "quantity")
