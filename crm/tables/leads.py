import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DateColumn, TaktTable
from crm.models import Lead


class LeadTable(TaktTable):
    number = tables.Column(linkify=True)
    company_name = tables.Column(linkify=True)
    owner = tables.Column(accessor="owner__username", verbose_name=_("Owner"), order_by=("owner__username",))
    converted_account = tables.Column(
        accessor="converted_account__code", verbose_name=_("Account"), order_by=("converted_account__code",)
    )
    created_at = DateColumn(verbose_name=_("Created"))

    class Meta(TaktTable.Meta):
        model = Lead
        fields = (
            "number",
            "company_name",
            "contact_name",
            "country",
            "source",
            "status",
            "owner",
            "converted_account",
            "created_at",
        )
