import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import QuantityColumn, TaktTable
from erp import models


class ProductionOrderTable(TaktTable):
    number = tables.Column(linkify=True)
    item = tables.Column(accessor="item__code", verbose_name=_("Item"), order_by=("item__code",))
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"))
    quantity = QuantityColumn()
    completed_qty = QuantityColumn(verbose_name=_("Received"))
    scrapped_qty = QuantityColumn(verbose_name=_("Scrapped"))
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"), order_by=("warehouse__code",))

    class Meta(TaktTable.Meta):
        model = models.ProductionOrder
        fields = (
            "number",
            "item",
            "item_name",
            "quantity",
            "completed_qty",
            "scrapped_qty",
            "unit",
            "start_date",
            "due_date",
            "state",
            "warehouse",
        )
