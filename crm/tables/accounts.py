import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.models import Partner
from core.tables import DateTimeColumn, DecimalColumn, TaktTable
from crm.models import Activity


def account_url(record: Partner) -> str:
    return reverse("crm:account_detail", args=[record.pk])


class AccountTable(TaktTable):
    code = tables.Column(linkify=account_url)
    name = tables.Column(linkify=account_url)
    parent = tables.Column(accessor="parent__code", verbose_name=_("Parent"), order_by=("parent__code",))
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), order_by=("currency__code",))
    credit_limit = DecimalColumn(verbose_name=_("Credit limit"))
    contact_count = tables.Column(verbose_name=_("Contacts"), attrs={"td": {"class": "text-end"}})
    open_order_count = tables.Column(verbose_name=_("Open orders"), attrs={"td": {"class": "text-end"}})

    class Meta(TaktTable.Meta):
        model = Partner
        fields = (
            "code",
            "name",
            "parent",
            "city",
            "country",
            "currency",
            "payment_terms_days",
            "credit_limit",
            "contact_count",
            "open_order_count",
            "active",
        )


class ActivityTable(TaktTable):
    when_at = DateTimeColumn(verbose_name=_("When"), format="Y-m-d H:i", order_by=("when_at",))
    subject = tables.Column(linkify=True)
    account = tables.Column(
        accessor="account__code",
        verbose_name=_("Account"),
        order_by=("account__code",),
        linkify=lambda record: account_url(record.account) if record.account_id else None,
    )
    lead = tables.Column(accessor="lead__number", verbose_name=_("Lead"), linkify=lambda record: record.lead)
    opportunity = tables.Column(
        accessor="opportunity__number", verbose_name=_("Opportunity"), linkify=lambda record: record.opportunity
    )
    owner = tables.Column(accessor="owner__username", verbose_name=_("Owner"), order_by=("owner__username",))
    done_at = DateTimeColumn(format="Y-m-d H:i")

    class Meta(TaktTable.Meta):
        model = Activity
        fields = ("when_at", "kind", "subject", "account", "lead", "opportunity", "owner", "done_at")
        row_attrs = {
            "class": lambda record: "table-danger" if getattr(record, "overdue", False) else "",
        }

    def render_kind(self, value, record) -> str:
        return format_html('<span class="badge text-bg-light border">{}</span>', record.get_kind_display())
