"""The purchasing screens: purchase orders (list, detail, new, edit), their lines edited while a draft,
the buttons that move an order on (send, confirm, cancel, close), and the supplier invoice entered
against an order, matched three ways. Every change is one service call: a refusal is shown on the
page (or on the form) and nothing is written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.formatting import format_quantity
from core.forms import add_service_errors, form_errors_message
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
    run_service,
)
from erp.choices import PurchaseOrderState
from erp.filtersets.purchasing import PurchaseOrderFilterSet
from erp.forms.purchasing import ConfirmForm, PurchaseOrderForm, PurchaseOrderLineForm, SupplierInvoiceForm
from erp.models import PurchaseOrder, PurchaseOrderLine
from erp.selectors.purchasing import (
    purchase_order_invoices,
    purchase_order_lines,
    purchase_orders,
    supplier_invoice_proposal,
)
from erp.services import purchasing as services
from erp.tables.purchasing import PurchaseOrderTable

State = PurchaseOrderState
VIEW = "erp.view_purchaseorder"
MANAGE = "erp.change_purchaseorder"
# Entering a supplier invoice is accounts payable's work: it posts to the books.
INVOICING = ("erp.view_purchaseorder", "erp.add_invoice")


# --- List, new, edit ---------------------------------------------------------------------------------------


class PurchaseOrderCreateView(ServiceFormView):
    """A new draft: its header here, its lines on the order's page."""

    model = PurchaseOrder
    form_class = PurchaseOrderForm

    def save(self, form) -> PurchaseOrder:
        data = form.cleaned_data
        return services.purchase_order_create(
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            order_date=data["order_date"],
            expected_date=data["expected_date"],
            currency=data["currency"],
            notes=data["notes"],
            buyer=self.request.user,
        )

    def get_success_message(self, record: PurchaseOrder) -> str:
        return _("Created %(order)s: add its lines.") % {"order": record.number}


class PurchaseOrderUpdateView(ServiceFormView):
    """A draft's header; a sent order changes only by the supplier's confirmation."""

    model = PurchaseOrder
    action = "change"
    form_class = PurchaseOrderForm

    @cached_property
    def object(self) -> PurchaseOrder:  # looked up after the sign-in and permission checks
        return get_object_or_404(PurchaseOrder.objects.select_related("supplier"), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if self.object.state != State.DRAFT:
            messages.error(request, _("%(order)s is sent: only a draft can be edited.") % {"order": self.object.number})
            return redirect(self.object)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "order": self.object}

    def save(self, form) -> PurchaseOrder:
        data = form.cleaned_data
        return services.purchase_order_update(
            order=self.object,
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            order_date=data["order_date"],
            expected_date=data["expected_date"],
            currency=data["currency"],
            notes=data["notes"],
        )

    def get_success_message(self, record: PurchaseOrder) -> str:
        return _("Saved %(order)s.") % {"order": record.number}


# --- The order's page and its buttons ------------------------------------------------------------------------------


def _send(request, order: PurchaseOrder) -> str:
    sent = services.purchase_order_send(order=order, user=request.user)
    return _("%(order)s is sent; the warehouse expects its goods on %(receipt)s.") % {
        "order": sent.number,
        "receipt": sent.receipt.number,
    }


def _cancel(request, order: PurchaseOrder) -> str:
    services.purchase_order_cancel(order=order, user=request.user)
    return _("%(order)s is cancelled.") % {"order": order.number}


def _close(request, order: PurchaseOrder) -> str:
    services.purchase_order_close(order=order, user=request.user)
    return _("%(order)s is closed.") % {"order": order.number}


COMMANDS = {
    "send": Command(gettext_lazy("Send to supplier"), "primary", (MANAGE,), lambda o: o.state == State.DRAFT, _send),
    "cancel": Command(
        gettext_lazy("Cancel order"),
        "outline-danger",
        (MANAGE,),
        lambda o: o.state in services.CANCELLABLE_STATES,
        _cancel,
    ),
    "close": Command(
        gettext_lazy("Close order"), "outline-secondary", (MANAGE,), lambda o: o.state == State.BILLED, _close
    ),
}
purchase_order_command = command_view(PurchaseOrder, COMMANDS)


class PurchaseOrderDetailView(ObjectDetailView):
    """An order with its lines (ordered, received, billed), its receipt and invoices, and what can be done next."""

    template_name = "erp/purchasing/purchaseorder_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order, user = self.object, self.request.user
        lines = purchase_order_lines(order=order)
        may_manage = user.has_perm(MANAGE)
        is_draft = order.state == State.DRAFT
        editable = is_draft and may_manage
        if editable:
            for line in lines:
                line.form = PurchaseOrderLineForm(
                    prefix=f"line{line.pk}",
                    initial={
                        "item": line.item.code,
                        "quantity": format_quantity(line.quantity),
                        "unit_price": format_quantity(line.unit_price),
                        "tax_rate": line.tax_rate_id,
                        "expected_date": line.expected_date,
                    },
                )
        context.update(
            lines=lines,
            editable=editable,
            can_change=is_draft and may_manage,
            can_delete=False,
            line_form=PurchaseOrderLineForm(prefix="new"),
            commands=commands_for(order, user, COMMANDS),
            invoices=purchase_order_invoices(order=order),
            receipt=order.receipt,
            can_view_receipt=user.has_perm("wms.view_receipt"),
        )
        if may_manage and order.state in services.CONFIRMABLE_STATES:
            context["confirm_form"] = ConfirmForm(order=order, lines=lines, prefix="confirm")
        if (
            user.has_perms(INVOICING)
            and order.state in services.RECEIVING_STATES
            and any(line.unbilled_qty > 0 for line in lines)
        ):
            context["invoice_form"] = SupplierInvoiceForm(proposal=supplier_invoice_proposal(order=order))
        return context


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def purchase_order_confirm(request, pk):
    order = get_object_or_404(PurchaseOrder, pk=pk)
    if not request.user.has_perm(MANAGE):
        messages.error(request, _("Your role cannot do this."))
        return redirect(order)
    form = ConfirmForm(request.POST, order=order, lines=list(order.lines.select_related("item")), prefix="confirm")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(order)
    return run_service(
        request,
        lambda: services.purchase_order_confirm(
            order=order,
            supplier_reference=form.cleaned_data["supplier_reference"],
            expected_date=form.cleaned_data["expected_date"],
            line_dates=form.line_dates(),
            user=request.user,
        ),
        _("%(order)s is confirmed by the supplier.") % {"order": order.number},
        order.get_absolute_url(),
    )


# --- Lines of a draft ---------------------------------------------------------------------------------------------


# Who may not see orders gets a 403 before any lookup; who sees but may not change them, the refusal on the
# order's page before its form is read.


def _refused(request, order: PurchaseOrder):
    messages.error(request, _("Your role cannot do this."))
    return redirect(order)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def purchase_order_line_add(request, pk):
    order = get_object_or_404(PurchaseOrder, pk=pk)
    if not request.user.has_perm(MANAGE):
        return _refused(request, order)
    form = PurchaseOrderLineForm(request.POST, prefix="new")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(order)
    return run_service(
        request,
        lambda: services.purchase_order_line_add(order=order, **form.cleaned_data),
        _("Line added."),
        order.get_absolute_url(),
    )


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def purchase_order_line_update(request, pk, line_pk):
    line = get_object_or_404(PurchaseOrderLine.objects.select_related("order"), pk=line_pk, order_id=pk)
    if not request.user.has_perm(MANAGE):
        return _refused(request, line.order)
    form = PurchaseOrderLineForm(request.POST, prefix=f"line{line.pk}")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(line.order)
    return run_service(
        request,
        lambda: services.purchase_order_line_update(line=line, **form.cleaned_data),
        _("Line saved."),
        line.order.get_absolute_url(),
    )


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def purchase_order_line_remove(request, pk, line_pk):
    line = get_object_or_404(PurchaseOrderLine.objects.select_related("order"), pk=line_pk, order_id=pk)
    if not request.user.has_perm(MANAGE):
        return _refused(request, line.order)
    return run_service(
        request,
        lambda: services.purchase_order_line_remove(line=line),
        _("Line removed."),
        line.order.get_absolute_url(),
    )


# --- The supplier's invoice ---------------------------------------------------------------------------------------


class SupplierInvoiceView(ModelPermissionMixin, generic.FormView):
    """Enter the supplier's invoice for an order: it is posted only if it matches order and receipts."""

    model = PurchaseOrder
    form_class = SupplierInvoiceForm
    template_name = "erp/purchasing/supplier_invoice_form.html"

    def get_permission_required(self):
        return list(INVOICING)

    @cached_property
    def order(self) -> PurchaseOrder:  # looked up after the sign-in and permission checks
        return get_object_or_404(PurchaseOrder.objects.select_related("supplier", "currency"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "proposal": supplier_invoice_proposal(order=self.order)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(SCREENS.context(self.request.user), object=self.order)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            invoice = services.supplier_invoice_create(
                order=self.order,
                supplier_reference=data["supplier_reference"],
                invoice_date=data["invoice_date"],
                lines=data["lines"],
                user=self.request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Posted %(invoice)s (%(reference)s): %(total)s %(currency)s, due %(due)s.")
            % {
                "invoice": invoice.number,
                "reference": invoice.supplier_reference,
                "total": invoice.total_amount,
                "currency": invoice.currency.code,
                "due": invoice.due_date,
            },
        )
        return redirect(self.order)


# --- URLs ---------------------------------------------------------------------------------------------------------


# The generic list and detail read through the purchasing selector (with the orders' net amounts).
SCREENS = ServiceScreens(
    model=PurchaseOrder,
    queryset=purchase_orders,
    table=PurchaseOrderTable,
    filterset=PurchaseOrderFilterSet,
    editable=False,
    detail_view=PurchaseOrderDetailView,
    add_view=PurchaseOrderCreateView,
    edit_view=PurchaseOrderUpdateView,
)

urlpatterns = [
    *SCREENS.urls(),
    path("purchase-orders/<int:pk>/confirm/", purchase_order_confirm, name="purchaseorder_confirm"),
    path("purchase-orders/<int:pk>/invoice/", SupplierInvoiceView.as_view(), name="purchaseorder_invoice"),
    path("purchase-orders/<int:pk>/lines/add/", purchase_order_line_add, name="purchaseorderline_add"),
    path(
        "purchase-orders/<int:pk>/lines/<int:line_pk>/edit/",
        purchase_order_line_update,
        name="purchaseorderline_edit",
    ),
    path(
        "purchase-orders/<int:pk>/lines/<int:line_pk>/remove/",
        purchase_order_line_remove,
        name="purchaseorderline_remove",
    ),
    # Last: the other paths of an order are not commands.
    path("purchase-orders/<int:pk>/<slug:command>/", purchase_order_command, name="purchaseorder_command"),
]
