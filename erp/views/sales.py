"""The sales screens: sales orders (header, lines edited on drafts, the buttons of their life), price
lists with their quantity breaks, and sales forecasts.

Every change of an order is a call to erp.services.sales: a refusal is shown on the page and nothing
is written.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.documents.views import document_pdf_view
from core.forms import form_errors_message
from core.selectors.currencies import company_currency
from core.views.generic import (
    Command,
    ObjectDetailView,
    ObjectScreens,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
    run_service,
)
from erp.choices import SalesOrderState
from erp.documents import order_confirmation_pdf
from erp.filtersets import sales as filtersets
from erp.forms import sales as forms
from erp.models import PriceList, PriceListItem, SalesForecast, SalesOrder, SalesOrderLine, TaxRate
from erp.selectors.production import sales_order_production
from erp.selectors.sales import credit_exposure, lines_totals, order_progress
from erp.services import pricing, sales
from erp.services.journal import to_cents
from erp.tables import sales as tables

S = SalesOrderState
FINAL = (S.CLOSED, S.CANCELLED)
ORDER_MANAGERS = ("erp.change_salesorder",)
PRICE_MANAGERS = ("erp.change_pricelist",)


# --- Sales orders ----------------------------------------------------------------------------------------


def _has_uninvoiced(order: SalesOrder) -> bool:
    return order.state in sales.SHIPPING and order.lines.filter(shipped_qty__gt=F("invoiced_qty")).exists()


COMMANDS = {
    "confirm": Command(
        gettext_lazy("Confirm"),
        "primary",
        ORDER_MANAGERS,
        lambda order: order.state == S.DRAFT,
        lambda request, order: sales.sales_order_confirm(order=order, user=request.user),
        gettext_lazy("Confirmed: stock on hand is reserved in the warehouse."),
    ),
    "invoice": Command(
        gettext_lazy("Invoice what has shipped"),
        "success",
        # Invoicing posts to the books: finance's job (it sees every order), or an administrator's.
        ("erp.view_salesorder", "erp.add_invoice"),
        _has_uninvoiced,
        lambda request, order: sales.sales_order_invoice(order=order, user=request.user),
        gettext_lazy("Invoiced and posted."),
    ),
    "close": Command(
        gettext_lazy("Close"),
        "outline-secondary",
        ORDER_MANAGERS,
        lambda order: order.state == S.INVOICED,
        lambda request, order: sales.sales_order_close(order=order, user=request.user),
        gettext_lazy("Closed."),
    ),
    "cancel": Command(
        gettext_lazy("Cancel order"),
        "outline-danger",
        ORDER_MANAGERS,
        lambda order: order.state in (S.DRAFT, *sales.NOT_SHIPPED),
        lambda request, order: sales.sales_order_cancel(order=order, user=request.user),
        gettext_lazy("Cancelled: its reservations are released."),
    ),
}
sales_order_command = command_view(SalesOrder, COMMANDS)


class SalesOrderDetailView(ObjectDetailView):
    """An order: its lines with what is reserved, shipped and invoiced, its totals, the warehouse's
    progress (stock request, shipments), its invoices, and the buttons its state offers."""

    template_name = "erp/sales/salesorder_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order, user = self.object, self.request.user
        progress = order_progress(order=order)
        totals = lines_totals(entry.line for entry in progress)
        editable = order.state == S.DRAFT and user.has_perms(ORDER_MANAGERS)
        can_see_invoices = user.has_perm("erp.view_invoice")
        stock_request = order.stock_request if order.stock_request_id else None
        try:
            home = company_currency()
        except ValidationError:  # no company yet: amounts are shown in the order currency only
            home = None
        context.update(
            progress=progress,
            totals=totals,
            company_total=to_cents(totals.total * order.exchange_rate),
            home_currency=home,
            foreign=home is not None and order.currency_id != home.pk,
            editable=editable,
            add_form=forms.SalesOrderLineForm() if editable else None,
            tax_rates=TaxRate.objects.order_by("code") if editable else [],
            commands=commands_for(order, user, COMMANDS),
            can_change=context["can_change"] and order.state not in FINAL,
            stock_request=stock_request,
            can_view_request=user.has_perm("wms.view_stockrequest"),
            shipments=(
                stock_request.shipments.select_related("shipped_by").prefetch_related("packages").order_by("number")
                if stock_request is not None and user.has_perm("wms.view_shipment")
                else []
            ),
            invoices=order.invoices.select_related("currency").order_by("number") if can_see_invoices else [],
            production=(
                sales_order_production(sales_order_id=order.pk) if user.has_perm("erp.view_productionorder") else []
            ),
            exposure=(
                credit_exposure(customer=order.customer, exclude=order)
                if order.state == S.DRAFT and order.customer.credit_limit > 0 and user.has_perms(ORDER_MANAGERS)
                else None
            ),
        )
        if context["exposure"] is not None:
            context["exposure_after"] = context["exposure"].total + context["company_total"]
        return context


class SalesOrderCreateView(ServiceFormView):
    """A new draft; its lines are added on its page."""

    form_class = forms.SalesOrderForm

    def save(self, form) -> SalesOrder:
        data = form.cleaned_data
        return sales.sales_order_create(
            customer=data["customer"],
            warehouse=data["warehouse"],
            requested_date=data["requested_date"],
            order_date=data["order_date"],
            promised_date=data["promised_date"],
            currency=data["currency"],
            customer_reference=data["customer_reference"],
            notes=data["notes"],
            salesperson=self.request.user,
        )


class SalesOrderUpdateView(ServiceFormView):
    """A draft's header; once confirmed, the customer's reference and the notes only."""

    action = "change"
    form_class = forms.SalesOrderForm

    @cached_property
    def object(self) -> SalesOrder:  # looked up after the sign-in and permission checks
        return get_object_or_404(SalesOrder.objects.select_related("customer"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        order = self.object
        fields = set(forms.SalesOrderForm.base_fields)
        if order.state in FINAL:
            locked = fields
        elif order.state != S.DRAFT:
            locked = fields - sales.AFTER_CONFIRMATION
        else:
            locked = set()
        kwargs.update(order=order, locked=frozenset(locked))
        return kwargs

    def save(self, form) -> SalesOrder:
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if not form.fields[name].disabled and not (name == "order_date" and value is None)
        }
        return sales.sales_order_update(order=self.object, **changes)


def _line_values(data: dict) -> dict:
    return {**data, "discount_pct": data.get("discount_pct") or Decimal(0)}


@login_required
@permission_required("erp.view_salesorder", raise_exception=True)
@require_POST
def sales_order_line_add(request, pk):
    order = get_object_or_404(SalesOrder, pk=pk)
    if not request.user.has_perms(ORDER_MANAGERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(order)
    form = forms.SalesOrderLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(order)
    values = _line_values(form.cleaned_data)
    return run_service(
        request,
        lambda: sales.sales_order_line_add(order=order, **values),
        _("Line added."),
        order.get_absolute_url(),
    )


@login_required
@permission_required("erp.view_salesorder", raise_exception=True)
@require_POST
def sales_order_line_update(request, pk, line_pk):
    line = get_object_or_404(SalesOrderLine.objects.select_related("order"), pk=line_pk, order_id=pk)
    if not request.user.has_perms(ORDER_MANAGERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(line.order)
    form = forms.SalesOrderLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(line.order)
    # A row posts every field: an emptied price is priced again from the lists, emptied dates are cleared.
    values = _line_values(form.cleaned_data)
    return run_service(
        request,
        lambda: sales.sales_order_line_update(line=line, **values),
        _("Line saved."),
        line.order.get_absolute_url(),
    )


@login_required
@permission_required("erp.view_salesorder", raise_exception=True)
@require_POST
def sales_order_line_remove(request, pk, line_pk):
    line = get_object_or_404(SalesOrderLine.objects.select_related("order"), pk=line_pk, order_id=pk)
    if not request.user.has_perms(ORDER_MANAGERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(line.order)
    return run_service(
        request, lambda: sales.sales_order_line_remove(line=line), _("Line removed."), line.order.get_absolute_url()
    )


# --- Price lists ----------------------------------------------------------------------------------------------


class PriceListDetailView(ObjectDetailView):
    """A price list with its prices per item and quantity break, set and removed here."""

    template_name = "erp/sales/pricelist_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        editable = self.request.user.has_perms(PRICE_MANAGERS)
        context.update(
            rows=self.object.items.select_related("item__uom").order_by("item__code", "min_quantity"),
            editable=editable,
            add_form=forms.PriceListItemForm() if editable else None,
        )
        return context


@login_required
@permission_required("erp.view_pricelist", raise_exception=True)
@require_POST
def price_list_item_set(request, pk):
    price_list = get_object_or_404(PriceList, pk=pk)
    if not request.user.has_perms(PRICE_MANAGERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(price_list)
    form = forms.PriceListItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(price_list)
    data = form.cleaned_data
    return run_service(
        request,
        lambda: pricing.price_list_item_set(
            price_list=price_list,
            item=data["item"],
            min_quantity=data["min_quantity"] or Decimal(0),
            unit_price=data["unit_price"],
        ),
        _("Price saved."),
        price_list.get_absolute_url(),
    )


@login_required
@permission_required("erp.view_pricelist", raise_exception=True)
@require_POST
def price_list_item_remove(request, pk, row_pk):
    row = get_object_or_404(PriceListItem.objects.select_related("price_list"), pk=row_pk, price_list_id=pk)
    if not request.user.has_perms(PRICE_MANAGERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(row.price_list)
    return run_service(
        request,
        lambda: pricing.price_list_item_remove(row=row),
        _("Price removed."),
        row.price_list.get_absolute_url(),
    )


SCREENS = [
    ServiceScreens(
        model=SalesOrder,
        table=tables.SalesOrderTable,
        filterset=filtersets.SalesOrderFilterSet,
        editable=False,
        select_related=("customer", "currency", "warehouse"),
        annotate=tables.LIST_ANNOTATIONS,
        detail_view=SalesOrderDetailView,
        add_view=SalesOrderCreateView,
        edit_view=SalesOrderUpdateView,
    ),
    ObjectScreens(
        model=PriceList,
        table=tables.PriceListTable,
        filterset=filtersets.PriceListFilterSet,
        form=forms.PriceListForm,
        select_related=("currency", "customer"),
        annotate=tables.PRICE_LIST_ANNOTATIONS,
        detail_view=PriceListDetailView,
    ),
    ObjectScreens(
        model=SalesForecast,
        table=tables.SalesForecastTable,
        filterset=filtersets.SalesForecastFilterSet,
        form=forms.SalesForecastForm,
        select_related=("item__uom", "customer"),
    ),
]

urlpatterns = [url for screens in SCREENS for url in screens.urls()]
# After the screens' own: "<pk>/edit/" is the edit page, not a command.
urlpatterns += [
    path(
        "sales-orders/<int:pk>/pdf/",
        document_pdf_view(SalesOrder.objects.all(), order_confirmation_pdf),
        name="salesorder_pdf",
    ),
    path("sales-orders/<int:pk>/lines/add/", sales_order_line_add, name="salesorderline_add"),
    path("sales-orders/<int:pk>/lines/<int:line_pk>/edit/", sales_order_line_update, name="salesorderline_edit"),
    path("sales-orders/<int:pk>/lines/<int:line_pk>/remove/", sales_order_line_remove, name="salesorderline_remove"),
    path("sales-orders/<int:pk>/<slug:command>/", sales_order_command, name="salesorder_command"),
    path("price-lists/<int:pk>/prices/", price_list_item_set, name="pricelistitem_set"),
    path("price-lists/<int:pk>/prices/<int:row_pk>/remove/", price_list_item_remove, name="pricelistitem_remove"),
]
