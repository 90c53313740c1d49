"""FilterSets of the finance lists, shared by the screens and the API (`?kind=customer&state=posted&partner=MEDIAHOME`).

Partners, accounts and cost centers are filtered by the code people type.
"""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filtersets import CodeFilter, SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Partner
from erp.choices import AccountKind, InvoiceKind, InvoiceState, JournalSource, PaymentDirection
from erp.models import Account, Budget, CostCenter, Invoice, JournalEntry, JournalLine, Payment


def _partner() -> CodeFilter:
    return code_filter(Partner.objects.all(), _("Partner code"), "partner")


class InvoiceFilterSet(SearchFilterSet):
    search_fields = ("number", "partner__code", "partner__name", "supplier_reference")
    kind = django_filters.ChoiceFilter(choices=InvoiceKind.choices)
    state = django_filters.ChoiceFilter(choices=InvoiceState.choices)
    partner = _partner()
    invoice_date = date_range_filter(_("Dated between"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue (open past its due date)"))

    class Meta:
        model = Invoice
        fields = ["kind", "state", "partner", "invoice_date", "overdue"]
        form = FilterForm

    def filter_overdue(self, queryset, name, value):
        late = Q(state=InvoiceState.POSTED, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class PaymentFilterSet(SearchFilterSet):
    search_fields = ("number", "reference", "invoice__number", "partner__code", "partner__name")
    direction = django_filters.ChoiceFilter(choices=PaymentDirection.choices)
    partner = _partner()
    date = date_range_filter(_("Paid between"))

    class Meta:
        model = Payment
        fields = ["direction", "partner", "date"]
        form = FilterForm


class JournalEntryFilterSet(SearchFilterSet):
    search_fields = ("number", "memo", "reference")
    source = django_filters.ChoiceFilter(choices=JournalSource.choices)
    date = date_range_filter(_("Dated between"))
    account = code_filter(Account.objects.all(), _("Account code"), "account", method="filter_account")
    reference = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = JournalEntry
        fields = ["source", "date", "account", "reference"]
        form = FilterForm

    def filter_account(self, queryset, name, value):
        # Exists, not a join: an entry with two lines on the account is listed (and summed) once.
        return queryset.filter(Exists(JournalLine.objects.filter(entry=OuterRef("pk"), account=value)))


class AccountFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    kind = django_filters.ChoiceFilter(choices=AccountKind.choices)

    class Meta:
        model = Account
        fields = ["kind", "active"]
        form = FilterForm


class BudgetFilterSet(SearchFilterSet):
    search_fields = ("account__code", "account__name", "cost_center__code")
    account = code_filter(Account.objects.all(), _("Account code"), "account")
    cost_center = code_filter(CostCenter.objects.all(), _("Cost center code"), "cost_center")

    class Meta:
        model = Budget
        fields = ["account", "cost_center", "year", "month"]
        form = FilterForm


class CostCenterFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "work_center__code")

    class Meta:
        model = CostCenter
        fields = ["work_center"]
        form = FilterForm
