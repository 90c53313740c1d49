"""The supplier-master filters, shared by the lists and the API (`?supplier=HEATCO&approval=approved`)."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter
from core.forms import FilterForm
from core.models import Item, Partner
from srm.models import Approval, Certificate, CertificateKind, SupplierItem
from srm.selectors.suppliers import CertificateStatus, warning_until


class SupplierFilterSet(SearchFilterSet):
    """Over `suppliers_overview` rows (annotated suppliers)."""

    search_fields = ("code", "name", "city", "vat_number")
    blocked = django_filters.BooleanFilter(method="filter_blocked", label=_("Blocked for purchasing"))
    certificates = django_filters.ChoiceFilter(
        method="filter_certificates",
        label=_("Certificates"),
        choices=[(CertificateStatus.EXPIRED, _("Some expired")), (CertificateStatus.EXPIRING, _("Some expiring"))],
    )
    active = django_filters.BooleanFilter()

    class Meta:
        model = Partner
        fields = ["blocked", "certificates", "active"]
        form = FilterForm

    def filter_blocked(self, queryset, name, value):
        return queryset.filter(block_count__gt=0) if value else queryset.filter(block_count=0)

    def filter_certificates(self, queryset, name, value):
        return queryset.filter(**{f"{value}_count__gt": 0})


class SupplierItemFilterSet(SearchFilterSet):
    search_fields = ("item__code", "item__name", "supplier__code", "supplier__name", "supplier_part_number")
    supplier = code_filter(Partner.objects.all(), _("Supplier code"), "supplier")
    item = code_filter(Item.objects.all(), _("Item code"), "item")
    approval = django_filters.ChoiceFilter(choices=Approval.choices)

    class Meta:
        model = SupplierItem
        fields = ["supplier", "item", "approval", "preferred", "active"]
        form = FilterForm


class CertificateFilterSet(SearchFilterSet):
    search_fields = ("number", "issued_by", "supplier__code", "supplier__name")
    supplier = code_filter(Partner.objects.all(), _("Supplier code"), "supplier")
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices)
    status = django_filters.ChoiceFilter(
        method="filter_status",
        label=_("Status"),
        choices=[
            (CertificateStatus.EXPIRED, _("Expired")),
            (CertificateStatus.EXPIRING, _("Expiring")),
            (CertificateStatus.VALID, _("Valid")),
        ],
    )

    class Meta:
        model = Certificate
        fields = ["supplier", "kind", "status", "blocks_purchasing"]
        form = FilterForm

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        until = warning_until(today)
        return {
            CertificateStatus.EXPIRED: queryset.filter(valid_to__lt=today),
            CertificateStatus.EXPIRING: queryset.filter(valid_to__gte=today, valid_to__lte=until),
            CertificateStatus.VALID: queryset.filter(valid_from__lte=today, valid_to__gt=until),
        }[value]
