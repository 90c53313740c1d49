"""The purchase order list."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, TaktTable
from erp.models import PurchaseOrder


def _receipt(record) -> str | None:
    return reverse("wms:receipt_detail", args=[record.receipt_id]) if record.receipt_id else None


class PurchaseOrderTable(TaktTable):
    number = tables.Column(linkify=True)
    supplier = tables.Column(accessor="supplier__code", verbose_name=_("Supplier"), order_by=("supplier__code",))
    supplier_name = tables.Column(accessor="supplier__name", verbose_name=_("Name"), orderable=False)
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), order_by=("currency__code",))
    net_amount = DecimalColumn(verbose_name=_("Net amount"), order_by=("net_amount",))
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"), order_by=("warehouse__code",))
    receipt = tables.Column(
        accessor="receipt__number", verbose_name=_("Receipt"), linkify=_receipt, order_by=("receipt__number",)
    )

    class Meta(TaktTable.Meta):
        model = PurchaseOrder
        fields = (
            "number",
            "supplier",
            "supplier_name",
            "supplier_reference",
            "order_date",
            "expected_date",
            "currency",
            "net_amount",
            "warehouse",
            "receipt",
            "state",
        )
