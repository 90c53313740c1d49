"""The production screens: production orders (list, create and edit while planned, and a page with their
components, operations, material request, variances and postings, with the buttons and forms of their
life) and the variance report per item and month.

Every change is a call to erp.services.production: a refusal is shown on the page and nothing is written.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.documents.views import document_pdf_view
from core.exports import EXPORTERS
from core.formatting import format_quantity
from core.forms import form_errors_message
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    QueryPrefillMixin,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
    run_service,
)
from erp.choices import OperationState, VarianceKind
from erp.choices import ProductionOrderState as State
from erp.documents import production_traveller_pdf
from erp.filtersets import production as filtersets
from erp.forms import production as forms
from erp.models import JournalEntry, ProductionOperation, ProductionOrder, ProductionVariance
from erp.selectors.production import order_variances, standard_minutes, variance_summary, variances_in
from erp.services import production as services
from erp.tables import production as tables

ORDER_MANAGERS = ("erp.change_productionorder",)
OPERATION_REPORTERS = ("erp.change_productionoperation",)
ISSUERS = ("erp.change_productioncomponent",)
HAS_VARIANCES = (State.RELEASED, State.IN_PROGRESS, State.COMPLETED, State.CLOSED)


# --- Commands: the buttons of an order's life -----------------------------------------------------------------


COMMANDS = {
    "firm": Command(
        gettext_lazy("Firm"),
        "primary",
        ORDER_MANAGERS,
        lambda order: order.state == State.PLANNED,
        lambda request, order: services.production_order_firm(order=order, user=request.user),
        gettext_lazy("Firm: the BOM and routing effective on its start are copied onto the order."),
    ),
    "release": Command(
        gettext_lazy("Release"),
        "primary",
        ORDER_MANAGERS,
        lambda order: order.state == State.FIRM,
        lambda request, order: services.production_order_release(order=order, user=request.user),
        gettext_lazy("Released: the material is requested from the warehouse and the floor can start."),
    ),
    "complete": Command(
        gettext_lazy("Complete"),
        "success",
        ORDER_MANAGERS,
        lambda order: order.state in services.WORKING_STATES,
        lambda request, order: services.production_order_complete(order=order, user=request.user),
        gettext_lazy("Completed: material still reserved for it is released."),
    ),
    "close": Command(
        gettext_lazy("Close and post variances"),
        "warning",
        ORDER_MANAGERS,
        lambda order: order.state == State.COMPLETED,
        lambda request, order: services.production_order_close(order=order, user=request.user),
        gettext_lazy("Closed: its variances are posted and its WIP is cleared."),
    ),
    "cancel": Command(
        gettext_lazy("Cancel order"),
        "outline-danger",
        ORDER_MANAGERS,
        lambda order: order.state in services.CANCELLABLE,
        lambda request, order: services.production_order_cancel(order=order, user=request.user),
        gettext_lazy("Cancelled: its material request is cancelled."),
    ),
}
production_order_command = command_view(ProductionOrder, COMMANDS)


# --- What the floor reports: forms on the order's page ---------------------------------------------------------


@dataclass(frozen=True)
class FloorForm:
    """A form on the order's page posting to one service: who may use it and in which states."""

    form: type
    permissions: tuple[str, ...]
    states: tuple[str, ...]
    run: Callable[[Any, ProductionOrder, dict], str]
    of_order: bool = False  # the form offers the order's own operations or components


def _report(request, order: ProductionOrder, data: dict) -> str:
    operation = services.production_operation_report(
        operation=data["operation"],
        good_qty=data["good_qty"] or Decimal(0),
        scrap_qty=data["scrap_qty"] or Decimal(0),
        machine_minutes=data["machine_minutes"] or Decimal(0),
        labor_minutes=data["labor_minutes"],
        user=request.user,
    )
    return _("Reported on operation %(seq)s.") % {"seq": operation.seq}


def _issue(request, order: ProductionOrder, data: dict) -> str:
    component = services.production_material_issue(
        order=order,
        component=data["component"],
        quantity=data["quantity"],
        lot=data["lot"],
        location=data["location"],
        user=request.user,
    )
    return _("Issued %(qty)s %(unit)s of %(item)s.") % {
        "qty": format_quantity(data["quantity"]),
        "unit": component.item.uom.code,
        "item": component.item.code,
    }


def _backflush(request, order: ProductionOrder, data: dict) -> str:
    services.production_backflush(order=order, quantity=data["quantity"], location=data["location"], user=request.user)
    return _("Every component is issued for %(qty)s units.") % {"qty": format_quantity(data["quantity"])}


def _receive(request, order: ProductionOrder, data: dict) -> str:
    move = services.production_output_receive(
        order=order,
        quantity=data["quantity"],
        lot_code=data["lot_code"].strip() or None,
        location=data["location"],
        user=request.user,
    )
    return _("Received %(qty)s %(unit)s into %(location)s.") % {
        "qty": format_quantity(move.quantity),
        "unit": order.item.uom.code,
        "location": move.to_location.code,
    }


FLOOR_FORMS = {
    "report": FloorForm(forms.OperationReportForm, OPERATION_REPORTERS, services.WORKING_STATES, _report, True),
    "issue": FloorForm(forms.MaterialIssueForm, ISSUERS, services.ISSUE_STATES, _issue, True),
    "backflush": FloorForm(forms.BackflushForm, ISSUERS, services.ISSUE_STATES, _backflush),
    "receive": FloorForm(forms.OutputReceiveForm, ORDER_MANAGERS, services.WORKING_STATES, _receive),
}


def _floor_form(name: str, order: ProductionOrder, data=None):
    floor = FLOOR_FORMS[name]
    return floor.form(data, prefix=name, **({"order": order} if floor.of_order else {}))


def floor_view(name: str):
    """The POST endpoint of one of the order page's forms."""
    floor = FLOOR_FORMS[name]

    @login_required
    @permission_required("erp.view_productionorder", raise_exception=True)
    @require_POST
    def view(request, pk):
        order = get_object_or_404(ProductionOrder.objects.select_related("item__uom"), pk=pk)
        if not request.user.has_perms(floor.permissions):
            messages.error(request, _("Your role cannot do this."))
            return redirect(order)
        form = _floor_form(name, order, request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_message(form))
            return redirect(order)
        try:
            message = floor.run(request, order, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, message)
        return redirect(order)

    return view


@login_required
@permission_required("erp.view_productionorder", raise_exception=True)
@require_POST
def production_operation_finish(request, pk, operation_pk):
    operation = get_object_or_404(ProductionOperation.objects.select_related("order"), pk=operation_pk, order_id=pk)
    if not request.user.has_perms(OPERATION_REPORTERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(operation.order)
    return run_service(
        request,
        lambda: services.production_operation_finish(operation=operation, user=request.user),
        _("Operation %(seq)s is done.") % {"seq": operation.seq},
        operation.order.get_absolute_url(),
    )


# --- The order's page -------------------------------------------------------------------------------------------


class ProductionOrderDetailView(ObjectDetailView):
    """An order: its components (required, issued, value), its operations (planned and actual time, good
    and scrap), its material request, its variances (so far, or as posted), its postings, and the buttons
    and forms its state offers."""

    template_name = "erp/production/productionorder_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order, user = self.object, self.request.user
        components = list(order.components.select_related("item__uom").order_by("position"))
        operations = list(order.operations.select_related("work_center").order_by("seq"))
        for operation in operations:
            operation.planned_minutes = standard_minutes(operation, order.quantity)
            operation.absorbed = operation.absorbed_labor + operation.absorbed_machine
            operation.can_finish = operation.state in (OperationState.READY, OperationState.IN_PROGRESS)
        may_see_variances = user.has_perm("erp.view_productionvariance")
        variances = order_variances(order=order) if order.state in HAS_VARIANCES and may_see_variances else None
        stored = dict(order.variances.values_list("kind", "amount")) if order.state == State.CLOSED else {}
        can_finance = user.has_perm("erp.view_journalentry")
        floor_forms = {
            name: _floor_form(name, order)
            for name, floor in FLOOR_FORMS.items()
            if order.state in floor.states and user.has_perms(floor.permissions)
        }
        if "report" in floor_forms and not floor_forms["report"].fields["operation"].queryset.exists():
            del floor_forms["report"]
        context.update(
            components=components,
            operations=operations,
            variances=variances,
            variance_rows=[
                (label, stored.get(kind, variances.amounts[kind]) if variances else stored.get(kind))
                for kind, label in VarianceKind.choices
            ],
            final_variances=bool(stored),
            commands=commands_for(order, user, COMMANDS),
            can_change=context["can_change"] and order.state == State.PLANNED,
            can_delete=False,
            can_finish=order.state in services.WORKING_STATES and user.has_perms(OPERATION_REPORTERS),
            floor_forms=floor_forms,
            material_request=order.material_request if order.material_request_id else None,
            can_view_request=user.has_perm("wms.view_stockrequest"),
            entries=(
                JournalEntry.objects.filter(reference=order.number)
                .prefetch_related("lines__account")
                .order_by("posted_at", "number")
                if can_finance
                else []
            ),
            can_finance=can_finance,
            totals={
                "issued_value": sum((c.issued_value for c in components), Decimal(0)),
                "absorbed": sum((o.absorbed for o in operations), Decimal(0)),
            },
        )
        return context


class ProductionOrderCreateView(QueryPrefillMixin, ServiceFormView):
    """A planned order; firm and release it on its page."""

    form_class = forms.ProductionOrderForm

    # Prefilled from links, e.g. ?item=KT-200&quantity=200 from a sales order or an MRP proposal.

    def save(self, form) -> ProductionOrder:
        data = form.cleaned_data
        return services.production_order_create(
            item=data["item"],
            quantity=data["quantity"],
            due_date=data["due_date"],
            start_date=data["start_date"],
            warehouse=data["warehouse"],
            sales_order_line=data["sales_order_line"],
            user=self.request.user,
        )


class ProductionOrderUpdateView(ServiceFormView):
    """A planned order's quantity, dates, warehouse and sales order line (the item stays)."""

    action = "change"
    form_class = forms.ProductionOrderForm

    @cached_property
    def object(self) -> ProductionOrder:  # looked up after the sign-in and permission checks
        return get_object_or_404(ProductionOrder.objects.select_related("item"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "order": self.object}

    def save(self, form) -> ProductionOrder:
        data = form.cleaned_data
        changes = {name: value for name, value in data.items() if name in services.ORDER_FIELDS}
        if changes.get("start_date") is None:  # emptied: the item's lead time before the due date again
            changes["start_date"] = data["due_date"] - datetime.timedelta(days=self.object.item.lead_time_days)
        return services.production_order_update(order=self.object, **changes)


# --- The variance report ------------------------------------------------------------------------------------------


class VarianceReportView(ModelPermissionMixin, generic.TemplateView):
    """Variances of the orders closed in a period, summed per item and month, and order by order."""

    model = ProductionVariance
    template_name = "erp/production/variance_report.html"

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export", "")
        if export not in EXPORTERS:
            return super().get(request, *args, **kwargs)
        # The summary per item and month, as the page shows it.
        context = self.get_context_data(**kwargs)
        header = [_("Item"), _("Item name"), _("Month"), _("Orders"), *(label for _kind, label in context["kinds"])]
        rows = (
            [row.item.code, row.item.name, row.period.strftime("%Y-%m"), row.orders, *amounts, row.total]
            for row, amounts in context["rows"]
        )
        return EXPORTERS[export]([[*header, _("Total")], *rows], "production-variances", _("Production variances"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.VarianceReportForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        filters = {name: value for name, value in filters.items() if value}
        rows = variance_summary(**filters) if not form.is_bound or form.is_valid() else []
        orders = (
            variances_in(**filters)
            .values("order", "order__number", "order__item__code", "date")
            .annotate(total=Sum("amount"))
            .order_by("-date", "order__number")
            if not form.is_bound or form.is_valid()
            else []
        )
        kinds = VarianceKind.choices
        context.update(
            form=form,
            kinds=kinds,
            rows=[(row, [row.amounts[kind] for kind, _label in kinds]) for row in rows],
            totals=[sum((row.amounts[kind] for row in rows), Decimal(0)) for kind, _label in kinds],
            grand_total=sum((row.total for row in rows), Decimal(0)),
            orders=list(orders[:200]),
        )
        return context


SCREENS = [
    ServiceScreens(
        model=ProductionOrder,
        table=tables.ProductionOrderTable,
        filterset=filtersets.ProductionOrderFilterSet,
        editable=False,
        select_related=(
            "item__uom",
            "warehouse",
            "bom_revision",
            "routing_revision",
            "material_request",
            "sales_order_line__order",
            "created_by",
        ),
        detail_view=ProductionOrderDetailView,
        add_view=ProductionOrderCreateView,
        edit_view=ProductionOrderUpdateView,
    ),
]

urlpatterns = [url for screens in SCREENS for url in screens.urls()]
# After the screens' own: "<pk>/edit/" is the edit page, not a command.
urlpatterns += [
    *(
        path(f"production-orders/<int:pk>/{name}/", floor_view(name), name=f"productionorder_{name}")
        for name in FLOOR_FORMS
    ),
    path(
        "production-orders/<int:pk>/operations/<int:operation_pk>/finish/",
        production_operation_finish,
        name="productionoperation_finish",
    ),
    path(
        "production-orders/<int:pk>/traveller/",
        document_pdf_view(ProductionOrder.objects.all(), production_traveller_pdf),
        name="productionorder_pdf",
    ),
    path("production-orders/<int:pk>/<slug:command>/", production_order_command, name="productionorder_command"),
    path("production-variances/", VarianceReportView.as_view(), name="variance_report"),
]
