"""The ASN list."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import TaktTable
from srm.models import Asn


class AsnTable(TaktTable):
    number = tables.Column(linkify=True)
    supplier = tables.Column(accessor="supplier__code", verbose_name=_("Supplier"), order_by=("supplier__code",))
    purchase_order = tables.Column(
        accessor="purchase_order__number",
        verbose_name=_("Purchase order"),
        linkify=lambda record: record.purchase_order.get_absolute_url(),
        order_by=("purchase_order__number",),
    )
    receipt = tables.Column(
        accessor="purchase_order__receipt__number",
        verbose_name=_("Receipt"),
        order_by=("purchase_order__receipt__number",),
    )

    class Meta(TaktTable.Meta):
        model = Asn
        fields = (
            "number",
            "asn_number",
            "supplier",
            "purchase_order",
            "receipt",
            "ship_date",
            "expected_date",
            "carrier",
            "tracking",
        )
