"""The supplier screens: the supplier list (approval counts, certificate status, blocks), a supplier's page
(contacts, supplier items with prices, certificates with expiry badges, blocks in force, open POs), the
supplier items (new, edit, approval, preferred, price breaks), the certificates (new, edit, renew, remove,
the document as a download) and an item's sources (its approved vendor list, and the source the rule picks
for a quantity on a day). Every change is one service call: a refusal is shown on the page (or on the
form) and nothing is written."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.choices import PartnerKind
from core.formatting import format_quantity
from core.forms import form_errors_message
from core.models import Item, Partner
from core.navigation import MenuItem, model_item
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    ObjectListView,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
    run_service,
)
from srm.filtersets.suppliers import CertificateFilterSet, SupplierFilterSet, SupplierItemFilterSet
from srm.forms.suppliers import (
    ApprovalForm,
    CertificateDetailsForm,
    CertificateForm,
    CertificateRenewForm,
    SourceQueryForm,
    SupplierItemForm,
    SupplierItemTermsForm,
    SupplierPriceForm,
)
from srm.models import Certificate, SupplierItem, SupplierPrice
from srm.selectors.sources import item_sources, preferred_source
from srm.selectors.suppliers import certificate_status, supplier_page, suppliers_overview
from srm.services import suppliers as services
from srm.tables.suppliers import CERTIFICATE_STYLES, CertificateTable, SupplierItemTable, SupplierTable

VIEW = "srm.view_supplieritem"
MANAGE_ITEMS = "srm.change_supplieritem"
MANAGE_CERTIFICATES = "srm.change_certificate"
SUPPLIER_KINDS = (PartnerKind.SUPPLIER, PartnerKind.BOTH)


def _refuse_unless(request, permission: str, back) -> Any:
    """A redirect back with a message when the user lacks the permission, else None."""
    if request.user.has_perm(permission):
        return None
    messages.error(request, _("Your role cannot do this."))
    return redirect(back)


def _posted(
    request, form_class, record, call: Callable[[dict], object], success: str, *, permission: str, **form_kwargs
):
    """A form posted from a record's page: checked, handed to a service, back to the page with the outcome."""
    refused = _refuse_unless(request, permission, record)
    if refused:
        return refused
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(record)
    return run_service(request, lambda: call(form.cleaned_data), success, record.get_absolute_url())


# --- Suppliers ------------------------------------------------------------------------------------------------


class _SupplierListScreens:
    """What the generic list needs of its screens, for suppliers (core.Partner) as SRM shows them."""

    def get_queryset(self):
        return suppliers_overview(on=timezone.localdate())

    def context(self, user) -> dict[str, Any]:
        return {
            "verbose_name": _("supplier"),
            "verbose_name_plural": _("suppliers"),
            "list_url": reverse("srm:supplier_list"),
            "add_url": "",
            "can_add": False,
        }


class SupplierListView(ObjectListView):
    model = Partner
    table_class = SupplierTable
    filterset_class = SupplierFilterSet
    screens = _SupplierListScreens()

    def get_permission_required(self):
        return [VIEW]


def _supplier(pk: int) -> Partner:
    return get_object_or_404(Partner, pk=pk, kind__in=SUPPLIER_KINDS)


class SupplierDetailView(ModelPermissionMixin, generic.TemplateView):
    """A supplier as purchasing sees it: contacts, what it supplies and at what price, its certificates
    (expired, expiring), the blocks in force with their reasons, and the orders still open."""

    model = SupplierItem
    template_name = "srm/suppliers/supplier_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        page = supplier_page(supplier=_supplier(self.kwargs["pk"]), on=timezone.localdate())
        context.update(
            page=page,
            supplier=page.supplier,
            certificates=[(certificate, CERTIFICATE_STYLES[status]) for certificate, status in page.certificates],
            can_manage_items=user.has_perm("srm.add_supplieritem"),
            can_manage_certificates=user.has_perm("srm.add_certificate"),
            can_view_orders=user.has_perm("erp.view_purchaseorder"),
            can_view_partner=user.has_perm("core.view_partner"),
            can_view_scorecards=user.has_perm("srm.view_scorecard"),
        )
        return context


# --- Supplier items -------------------------------------------------------------------------------------------


class SupplierItemCreateView(ServiceFormView):
    model = SupplierItem
    form_class = SupplierItemForm

    def get_initial(self):
        # Prefilled from the supplier's page (?supplier=<id>) or the item's sources page (?item=<code>).
        return {name: self.request.GET[name] for name in ("supplier", "item") if name in self.request.GET}

    def save(self, form) -> SupplierItem:
        data = dict(form.cleaned_data)
        return services.supplier_item_set(**data, user=self.request.user)


class SupplierItemUpdateView(ServiceFormView):
    model = SupplierItem
    action = "change"
    form_class = SupplierItemTermsForm

    @cached_property
    def object(self) -> SupplierItem:  # looked up after the sign-in and permission checks
        return get_object_or_404(SupplierItem.objects.select_related("supplier", "item"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "supplier_item": self.object}

    def save(self, form) -> SupplierItem:
        return services.supplier_item_update(supplier_item=self.object, user=self.request.user, **form.cleaned_data)


def _prefer(request, supplier_item: SupplierItem) -> str:
    services.supplier_item_prefer(supplier_item=supplier_item, user=request.user)
    return _("%(source)s is now the preferred source of %(item)s.") % {
        "source": supplier_item.supplier.code,
        "item": supplier_item.item.code,
    }


SUPPLIER_ITEM_COMMANDS = {
    "prefer": Command(
        gettext_lazy("Make preferred"),
        "outline-primary",
        (MANAGE_ITEMS,),
        lambda source: source.approval == "approved" and source.active and not source.preferred,
        _prefer,
    ),
}
supplier_item_command = command_view(SupplierItem, SUPPLIER_ITEM_COMMANDS)


class SupplierItemDetailView(ObjectDetailView):
    """A source with its price breaks (added, changed, removed here), its approval and preference."""

    template_name = "srm/suppliers/supplieritem_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        source, user = self.object, self.request.user
        editable = user.has_perm(MANAGE_ITEMS)
        prices = list(source.prices.order_by("min_quantity", "valid_from"))
        if editable:
            for price in prices:
                price.form = SupplierPriceForm(
                    prefix=f"price{price.pk}",
                    initial={
                        "min_quantity": format_quantity(price.min_quantity),
                        "unit_price": format_quantity(price.unit_price),
                        "valid_from": price.valid_from,
                        "valid_to": price.valid_to,
                    },
                )
        context.update(
            prices=prices,
            editable=editable,
            can_delete=False,
            price_form=SupplierPriceForm(prefix="new") if editable else None,
            approval_form=ApprovalForm(initial={"approval": source.approval}) if editable else None,
            commands=commands_for(source, user, SUPPLIER_ITEM_COMMANDS),
        )
        return context


def _supplier_item(pk) -> SupplierItem:
    return get_object_or_404(SupplierItem.objects.select_related("supplier", "item"), pk=pk)


@login_required
@permission_required("srm.view_supplieritem", raise_exception=True)
@require_POST
def supplier_item_approval(request, pk):
    source = _supplier_item(pk)
    return _posted(
        request,
        ApprovalForm,
        source,
        lambda data: services.supplier_item_approval_set(supplier_item=source, user=request.user, **data),
        _("Approval recorded."),
        permission=MANAGE_ITEMS,
    )


@login_required
@permission_required("srm.view_supplieritem", raise_exception=True)
@require_POST
def supplier_item_remove(request, pk):
    source = _supplier_item(pk)
    refused = _refuse_unless(request, "srm.delete_supplieritem", source)
    if refused:
        return refused
    try:
        services.supplier_item_remove(supplier_item=source, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(source)
    messages.success(request, _("%(source)s removed.") % {"source": source})
    return redirect("srm:supplier_detail", pk=source.supplier_id)


@login_required
@permission_required("srm.view_supplieritem", raise_exception=True)
@require_POST
def supplier_price_add(request, pk):
    source = _supplier_item(pk)
    return _posted(
        request,
        SupplierPriceForm,
        source,
        lambda data: services.supplier_price_set(supplier_item=source, user=request.user, **data),
        _("Price added."),
        permission=MANAGE_ITEMS,
        prefix="new",
    )


@login_required
@permission_required("srm.view_supplieritem", raise_exception=True)
@require_POST
def supplier_price_edit(request, pk, price_pk):
    price = get_object_or_404(SupplierPrice.objects.select_related("supplier_item"), pk=price_pk, supplier_item_id=pk)
    return _posted(
        request,
        SupplierPriceForm,
        price.supplier_item,
        lambda data: services.supplier_price_update(price=price, user=request.user, **data),
        _("Price saved."),
        permission=MANAGE_ITEMS,
        prefix=f"price{price.pk}",
    )


@login_required
@permission_required("srm.view_supplieritem", raise_exception=True)
@require_POST
def supplier_price_remove(request, pk, price_pk):
    price = get_object_or_404(SupplierPrice.objects.select_related("supplier_item"), pk=price_pk, supplier_item_id=pk)
    source = price.supplier_item
    refused = _refuse_unless(request, MANAGE_ITEMS, source)
    if refused:
        return refused
    return run_service(
        request,
        lambda: services.supplier_price_remove(price=price, user=request.user),
        _("Price removed."),
        source.get_absolute_url(),
    )


# --- Certificates ---------------------------------------------------------------------------------------------


class CertificateFormMixin:
    """Certificates carry a document: their forms post files."""

    template_name = "srm/suppliers/certificate_form.html"


class CertificateCreateView(CertificateFormMixin, ServiceFormView):
    model = Certificate
    form_class = CertificateForm

    def get_initial(self):
        return {"supplier": self.request.GET["supplier"]} if "supplier" in self.request.GET else {}

    def save(self, form) -> Certificate:
        return services.certificate_add(**form.cleaned_data, user=self.request.user)


class _CertificateChangeView(CertificateFormMixin, ServiceFormView):
    model = Certificate
    action = "change"

    @cached_property
    def object(self) -> Certificate:  # looked up after the sign-in and permission checks
        return get_object_or_404(Certificate.objects.select_related("supplier"), pk=self.kwargs["pk"])


class CertificateUpdateView(_CertificateChangeView):
    form_class = CertificateDetailsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "certificate": self.object}

    def save(self, form) -> Certificate:
        return services.certificate_update(certificate=self.object, user=self.request.user, **form.cleaned_data)


class CertificateRenewView(_CertificateChangeView):
    form_class = CertificateRenewForm
    success_message = gettext_lazy("Renewed %(object)s.")

    def get_initial(self):
        return {"valid_from": self.object.valid_to}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Renew")}

    def save(self, form) -> Certificate:
        return services.certificate_renew(certificate=self.object, user=self.request.user, **form.cleaned_data)


class CertificateDetailView(ObjectDetailView):
    template_name = "srm/suppliers/certificate_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificate, today = self.object, timezone.localdate()
        context.update(
            today=today,
            status=CERTIFICATE_STYLES[certificate_status(certificate, today)],
            can_delete=False,
            can_remove=self.request.user.has_perm("srm.delete_certificate"),
            # Not "block": the template engine uses that name inside {% block %}.
            certificate_block=certificate.supplier.blocks.filter(
                source=certificate.block_source, lifted_at__isnull=True
            ).first(),
        )
        return context


@login_required
@permission_required("srm.view_certificate", raise_exception=True)
@require_POST
def certificate_remove(request, pk):
    certificate = get_object_or_404(Certificate.objects.select_related("supplier"), pk=pk)
    refused = _refuse_unless(request, "srm.delete_certificate", certificate)
    if refused:
        return refused
    return run_service(
        request,
        lambda: services.certificate_remove(certificate=certificate, user=request.user),
        _("%(certificate)s removed.") % {"certificate": certificate},
        reverse("srm:supplier_detail", args=[certificate.supplier_id]),
    )


@login_required
def certificate_document(request, pk):
    """Always a download, never rendered by the browser: an uploaded file cannot act as a page."""
    if not request.user.has_perm("srm.view_certificate"):
        raise Http404
    certificate = get_object_or_404(Certificate, pk=pk)
    if not certificate.document:
        raise Http404
    response = FileResponse(
        certificate.document.open("rb"),
        as_attachment=True,
        filename=Path(certificate.document.name).name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- An item's sources ----------------------------------------------------------------------------------------


class ItemSourcesView(ModelPermissionMixin, generic.TemplateView):
    """The approved vendor list of an item, and the source the rule picks for a quantity on a day."""

    model = SupplierItem
    template_name = "srm/suppliers/item_sources.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = get_object_or_404(Item.objects.select_related("uom", "default_supplier"), pk=self.kwargs["pk"])
        query = SourceQueryForm(self.request.GET or None, initial={"on": timezone.localdate()})
        picked = None
        if query.is_bound and query.is_valid():
            picked = preferred_source(item=item, quantity=query.cleaned_data["quantity"], on=query.cleaned_data["on"])
        context.update(
            item=item,
            sources=item_sources(item=item),
            query=query,
            picked=picked,
            can_add=self.request.user.has_perm("srm.add_supplieritem"),
        )
        return context


# --- URLs -----------------------------------------------------------------------------------------------------


SUPPLIER_ITEM_SCREENS = ServiceScreens(
    model=SupplierItem,
    table=SupplierItemTable,
    filterset=SupplierItemFilterSet,
    select_related=("supplier", "item", "currency"),
    editable=False,
    detail_view=SupplierItemDetailView,
    add_view=SupplierItemCreateView,
    edit_view=SupplierItemUpdateView,
)
CERTIFICATE_SCREENS = ServiceScreens(
    model=Certificate,
    table=CertificateTable,
    filterset=CertificateFilterSet,
    select_related=("supplier",),
    editable=False,
    detail_view=CertificateDetailView,
    add_view=CertificateCreateView,
    edit_view=CertificateUpdateView,
)

urlpatterns = [
    path("suppliers/", SupplierListView.as_view(), name="supplier_list"),
    path("suppliers/<int:pk>/", SupplierDetailView.as_view(), name="supplier_detail"),
    path("items/<int:pk>/sources/", ItemSourcesView.as_view(), name="item_sources"),
    *SUPPLIER_ITEM_SCREENS.urls(),
    path("supplier-items/<int:pk>/approval/", supplier_item_approval, name="supplieritem_approval"),
    path("supplier-items/<int:pk>/remove/", supplier_item_remove, name="supplieritem_remove"),
    path("supplier-items/<int:pk>/prices/add/", supplier_price_add, name="supplierprice_add"),
    path("supplier-items/<int:pk>/prices/<int:price_pk>/edit/", supplier_price_edit, name="supplierprice_edit"),
    path("supplier-items/<int:pk>/prices/<int:price_pk>/remove/", supplier_price_remove, name="supplierprice_remove"),
    # Last of the supplier item paths: the others are not commands.
    path("supplier-items/<int:pk>/<slug:command>/", supplier_item_command, name="supplieritem_command"),
    *CERTIFICATE_SCREENS.urls(),
    path(
        "certificates/<int:pk>/renew/",
        CertificateRenewView.as_view(model=Certificate, screens=CERTIFICATE_SCREENS),
        name="certificate_renew",
    ),
    path("certificates/<int:pk>/remove/", certificate_remove, name="certificate_remove"),
    path("certificates/<int:pk>/document/", certificate_document, name="certificate_document"),
]

MENU = (
    MenuItem(gettext_lazy("Suppliers"), "srm:supplier_list", VIEW),
    model_item(gettext_lazy("Supplier items"), "srm.supplieritem"),
    model_item(gettext_lazy("Certificates"), "srm.certificate"),
)
