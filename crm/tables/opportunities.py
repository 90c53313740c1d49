import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DateColumn, DecimalColumn, TaktTable
from crm.models import LostReason, Opportunity, SalesTarget, Stage


class OpportunityTable(TaktTable):
    number = tables.Column(linkify=True)
    account = tables.Column(accessor="account__code", verbose_name=_("Customer"), order_by=("account__code",))
    account_name = tables.Column(accessor="account__name", verbose_name=_("Name"), orderable=False)
    stage = tables.Column(accessor="stage__name", verbose_name=_("Stage"), order_by=("stage__sequence",))
    expected_revenue = DecimalColumn(verbose_name=_("Expected revenue"))
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), order_by=("currency__code",))
    probability_pct = DecimalColumn(verbose_name=_("Probability %"))
    owner = tables.Column(accessor="owner__username", verbose_name=_("Owner"), order_by=("owner__username",))

    class Meta(TaktTable.Meta):
        model = Opportunity
        fields = (
            "number",
            "name",
            "account",
            "account_name",
            "stage",
            "state",
            "expected_revenue",
            "currency",
            "probability_pct",
            "close_date",
            "owner",
        )


class StageTable(TaktTable):
    name = tables.Column(linkify=True)
    probability_pct = DecimalColumn(verbose_name=_("Probability %"))

    class Meta(TaktTable.Meta):
        model = Stage
        fields = ("name", "sequence", "probability_pct", "is_won", "is_lost", "active")


class LostReasonTable(TaktTable):
    code = tables.Column(linkify=True)

    class Meta(TaktTable.Meta):
        model = LostReason
        fields = ("code", "name", "active")


class SalesTargetTable(TaktTable):
    month = DateColumn(format="Y-m", linkify=True)
    owner = tables.Column(
        accessor="owner__username", verbose_name=_("Owner"), default=_("(whole team)"), order_by=("owner__username",)
    )
    amount = DecimalColumn()
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"))

    class Meta(TaktTable.Meta):
        model = SalesTarget
        fields = ("month", "owner", "amount", "currency")
