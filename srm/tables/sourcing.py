"""The RFQ and contract lists."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, TaktTable
from srm.models import Contract, Rfq


class RfqTable(TaktTable):
    number = tables.Column(linkify=True)
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), order_by=("currency__code",))
    line_count = tables.Column(verbose_name=_("Lines"), attrs={"td": {"class": "text-end"}})
    invited_count = tables.Column(verbose_name=_("Suppliers"), attrs={"td": {"class": "text-end"}})
    quote_count = tables.Column(verbose_name=_("Quotes"), attrs={"td": {"class": "text-end"}})
    buyer = tables.Column(accessor="buyer__username", verbose_name=_("Buyer"), order_by=("buyer__username",))

    class Meta(TaktTable.Meta):
        model = Rfq
        fields = (
            "number",
            "title",
            "state",
            "issued_on",
            "respond_by",
            "currency",
            "line_count",
            "invited_count",
            "quote_count",
            "buyer",
        )


class ContractTable(TaktTable):
    number = tables.Column(linkify=True)
    supplier = tables.Column(accessor="supplier__code", verbose_name=_("Supplier"), order_by=("supplier__code",))
    supplier_name = tables.Column(accessor="supplier__name", verbose_name=_("Name"), orderable=False)
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), order_by=("currency__code",))
    agreed_value = DecimalColumn(verbose_name=_("Agreed value"))
    called_off_value = DecimalColumn(verbose_name=_("Called off"))

    class Meta(TaktTable.Meta):
        model = Contract
        fields = (
            "number",
            "supplier",
            "supplier_name",
            "valid_from",
            "valid_to",
            "currency",
            "agreed_value",
            "called_off_value",
            "state",
        )
