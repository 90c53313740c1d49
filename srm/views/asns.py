"""What suppliers sent through the portal, on screen for buyers and the warehouse: the ASNs (list and
detail, with the receipt lines that expect each announced lot and what arrived on them), and, for one
purchase order, its confirmations (dates and quantities promised per line) and ASNs."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.views import generic

from core.navigation import model_item
from core.views.generic import ModelPermissionMixin, ObjectDetailView, ObjectScreens
from erp.models import PurchaseOrder
from srm.filtersets.portal import AsnFilterSet
from srm.models import Asn, AsnLine, PoConfirmation, PoConfirmationLine
from srm.tables.portal import AsnTable


def _asn_lines():
    return AsnLine.objects.select_related("po_line__order", "po_line__item__uom", "receipt_line").order_by(
        "po_line__position", "pk"
    )


class AsnDetailView(ObjectDetailView):
    """An ASN with its lines: the order line, quantity and lot announced, and the receipt line expecting it."""

    template_name = "srm/asns/asn_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            lines=list(_asn_lines().filter(asn=self.object)),
            receipt=self.object.purchase_order.receipt,
            can_view_receipt=user.has_perm("wms.view_receipt"),
            can_view_order=user.has_perm("erp.view_purchaseorder"),
        )
        return context


class PurchaseOrderSupplierView(ModelPermissionMixin, generic.TemplateView):
    """What the supplier said of one purchase order: its confirmations and its ASNs."""

    model = Asn
    template_name = "srm/asns/purchaseorder_supplier.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = get_object_or_404(PurchaseOrder.objects.select_related("supplier", "receipt"), pk=self.kwargs["pk"])
        confirmation_lines = PoConfirmationLine.objects.select_related("po_line__item").order_by("po_line__position")
        context.update(
            order=order,
            confirmations=PoConfirmation.objects.filter(purchase_order=order)
            .select_related("confirmed_by")
            .prefetch_related(Prefetch("lines", queryset=confirmation_lines)),
            asns=Asn.objects.filter(purchase_order=order)
            .order_by("-number")
            .prefetch_related(Prefetch("lines", queryset=_asn_lines())),
            list_url=reverse("srm:asn_list"),
        )
        return context


SCREENS = ObjectScreens(
    model=Asn,
    table=AsnTable,
    filterset=AsnFilterSet,
    select_related=("supplier", "purchase_order__receipt", "created_by"),
    editable=False,
    detail_view=AsnDetailView,
)

urlpatterns = [
    *SCREENS.urls(),
    path("purchase-orders/<int:pk>/supplier/", PurchaseOrderSupplierView.as_view(), name="purchaseorder_supplier"),
]

MENU = (model_item(gettext_lazy("ASNs"), "srm.asn"),)
