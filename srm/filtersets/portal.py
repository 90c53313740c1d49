"""The ASN filters, shared by the list screen and the staff API (`?supplier=S-HEAT&purchase_order=PO-2026-00012`)."""

from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Partner
from erp.models import PurchaseOrder
from srm.models import Asn


class AsnFilterSet(SearchFilterSet):
    search_fields = ("number", "asn_number", "purchase_order__number", "supplier__code", "tracking")
    supplier = code_filter(Partner.objects.all(), _("Supplier code"), "supplier")
    purchase_order = code_filter(PurchaseOrder.objects.all(), _("Purchase order"), "purchase_order", "number")
    expected_date = date_range_filter(_("Expected"))

    class Meta:
        model = Asn
        fields = ["supplier", "purchase_order", "expected_date"]
        form = FilterForm
