import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, TaktTable
from crm.models import Quote


class QuoteTable(TaktTable):
    number = tables.Column(linkify=True, verbose_name=_("Quote"))
    account = tables.Column(accessor="account__code", verbose_name=_("Customer"), order_by=("account__code",))
    account_name = tables.Column(accessor="account__name", verbose_name=_("Name"))
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), order_by=("currency__code",))
    net_value = DecimalColumn(verbose_name=_("Net value"), order_by=("net_value",))
    sales_order = tables.Column(
        accessor="sales_order__number", verbose_name=_("Sales order"), order_by=("sales_order__number",)
    )

    class Meta(TaktTable.Meta):
        model = Quote
        fields = (
            "number",
            "version",
            "account",
            "account_name",
            "quote_date",
            "valid_until",
            "requested_date",
            "promised_date",
            "state",
            "currency",
            "net_value",
            "sales_order",
        )

    def render_net_value(self, value) -> str:
        return f"{value:,.2f}"
