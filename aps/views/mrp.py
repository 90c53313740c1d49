"""The MRP screens: the plan's home (the current run's figures, recent runs, the Run MRP button), the planned
orders (list with "Firm selected", and a page with their pegging up and down, exceptions and Firm button),
the exceptions of the run, and an item's MRP grid in weekly buckets.

Runs and firming are calls to aps.services: a refusal is shown on the page and nothing is changed. A run goes
to the background; its progress is the task run's page.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import generic
from django.views.decorators.http import require_POST

from aps.choices import ExceptionKind, PlannedOrderState
from aps.filtersets.mrp import MrpExceptionFilterSet, PlannedOrderFilterSet
from aps.forms.mrp import ItemPlanForm, ItemPlanLookupForm, MrpRunForm, PlannedOrderSelectForm
from aps.models import MrpException, PlannedOrder
from aps.selectors.mrp import (
    FIGURES,
    Cover,
    PegDown,
    PegUp,
    current_run,
    exception_counts,
    item_plan,
    pegging_down,
    pegging_up,
    planned_orders,
    recent_runs,
    run_exceptions,
)
from aps.services import firming
from aps.services import mrp as engine
from aps.tables.mrp import MrpExceptionTable, PlannedOrderTable, demand_url, firmed_order, supply_url
from core.choices import TaskRunStatus
from core.models import Item, TaskRun
from core.navigation import MenuItem, model_item
from core.views.generic import Command, ObjectDetailView, ObjectListView, ObjectScreens, command_view, commands_for

PLANNERS = ("aps.change_plannedorder",)


def _firmed_message(created: list) -> str:
    numbers = ", ".join(str(getattr(order, "number", order)) for order in created)
    return ngettext("Firmed: %(numbers)s.", "Firmed into %(numbers)s.", len(created)) % {"numbers": numbers}


# --- Screens of the plan's records --------------------------------------------------------------------------------


@dataclass
class PlanScreens(ObjectScreens):
    """ObjectScreens with a list page of their own (`list_view`) and a queryset of their own (`queryset`)."""

    list_view: type = ObjectListView
    queryset: Any = None  # () -> QuerySet, in place of the model's manager

    def get_queryset(self):
        return self.queryset() if self.queryset is not None else super().get_queryset()

    def urls(self) -> list:
        name = f"{self.meta.model_name}_list"
        view = self.list_view.as_view(
            table_class=self.table, filterset_class=self.filterset, model=self.model, screens=self
        )
        own = path(f"{self.path_prefix}/", view, name=name)
        return [own if pattern.name == name else pattern for pattern in super().urls()]


class PlannedOrderListView(ObjectListView):
    """The list, its rows to tick and the "Firm selected" button for planners."""

    template_name = "aps/mrp/plannedorder_list.html"

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["aps/mrp/_plannedorder_results.html"]
        return [self.template_name]

    def get_table_kwargs(self):
        # Only planners tick rows: others get no column of checkboxes they cannot use.
        return {} if self.request.user.has_perms(PLANNERS) else {"exclude": ("select",)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(run=current_run(), can_firm=self.request.user.has_perms(PLANNERS))
        return context


@login_required
@require_POST
def planned_orders_firm_view(request):
    """Firm the ticked planned orders, all or none: a refusal names what is wrong and nothing is firmed."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    back = back or reverse("aps:plannedorder_list")
    if not request.user.has_perms(PLANNERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(back)
    form = PlannedOrderSelectForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect(back)
    orders = list(form.cleaned_data["orders"].order_by("number"))
    try:
        created = firming.planned_orders_firm(orders=orders, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _firmed_message(created))
    return redirect(back)


def _firm(request, order: PlannedOrder) -> str:
    return _firmed_message(firming.planned_orders_firm(orders=[order], user=request.user))


COMMANDS = {
    "firm": Command(
        gettext_lazy("Firm"),
        "primary",
        PLANNERS,
        lambda order: order.state == PlannedOrderState.PLANNED,
        _firm,
    ),
}
planned_order_command = command_view(PlannedOrder, COMMANDS)


def _up_rows(nodes: list[PegUp], depth: int = 0):
    """The tree as (depth, node) rows, parents after their child: the template indents by depth."""
    for node in nodes:
        yield depth, node, demand_url(node.demand)
        yield from _up_rows(node.parents, depth + 1)


def _down_rows(nodes: list[PegDown], depth: int = 0):
    """The tree as (kind, depth, node, url) rows: each demand, then what covers it, then that order's parts."""
    for node in nodes:
        yield "demand", depth, node, None
        for cover in node.covers:
            yield "cover", depth + 1, cover, _cover_url(cover)
            yield from _down_rows(cover.demands, depth + 2)


def _cover_url(cover: Cover) -> str | None:
    if cover.planned_order is not None:
        return cover.planned_order.get_absolute_url()
    return supply_url(cover.supply) if cover.supply is not None else None


class PlannedOrderDetailView(ObjectDetailView):
    """A planned order: what it covers up to the top-level demands, what its start needs below, its
    exceptions, the real order it became once firmed, and its Firm button."""

    template_name = "aps/mrp/plannedorder_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        exceptions = list(order.exceptions.order_by("kind", "id"))
        context.update(
            commands=commands_for(order, self.request.user, COMMANDS),
            up_rows=list(_up_rows(pegging_up(order))),
            down_rows=list(_down_rows(pegging_down(order))),
            exceptions=exceptions,
            firmed_as=firmed_order(order),
            run=current_run(),
        )
        return context


SCREENS = [
    PlanScreens(
        model=PlannedOrder,
        table=PlannedOrderTable,
        filterset=PlannedOrderFilterSet,
        editable=False,
        queryset=planned_orders,
        detail_view=PlannedOrderDetailView,
        list_view=PlannedOrderListView,
    ),
    PlanScreens(
        model=MrpException,
        table=MrpExceptionTable,
        filterset=MrpExceptionFilterSet,
        editable=False,
        # The current plan's: the rows of older runs go with them.
        queryset=lambda: run_exceptions(run=current_run()),
    ),
]


# --- The plan's home and the Run MRP button -----------------------------------------------------------------------


class MrpHomeView(LoginRequiredMixin, PermissionRequiredMixin, generic.TemplateView):
    """The current plan's figures, its exceptions by kind, recent runs, a run under way, and Run MRP."""

    permission_required = ("aps.view_mrprun",)
    template_name = "aps/mrp/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = current_run()
        counts = exception_counts(run=run) if run is not None else {}
        labels = dict(ExceptionKind.choices)
        task = TaskRun.objects.filter(task_name=engine.MRP_TASK).select_related("created_by").first()
        can_run = self.request.user.has_perms(PLANNERS)
        context.update(
            run=run,
            exception_kinds=[(kind, labels[kind], counts[kind]) for kind in ExceptionKind.values if kind in counts],
            runs=list(recent_runs()),
            task=task if task is not None and task.status in (TaskRunStatus.PENDING, TaskRunStatus.RUNNING) else None,
            last_task=task,
            run_form=MrpRunForm() if can_run else None,
            lookup_form=ItemPlanLookupForm(),
        )
        return context


@login_required
@require_POST
def mrp_run_view(request):
    """Queue a run and show its progress; a planner may plan as of another day."""
    home = reverse("aps:mrp_home")
    if not request.user.has_perms(PLANNERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(home)
    form = MrpRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid planning date, or leave it empty for today."))
        return redirect(home)
    try:
        with transaction.atomic():
            task = engine.mrp_run_start(user=request.user, today=form.cleaned_data["today"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(home)
    messages.success(request, _("MRP is running; its progress is shown below."))
    return redirect(task.get_absolute_url())


# --- An item's MRP grid -------------------------------------------------------------------------------------------


FIGURE_LABELS = dict(FIGURES)


class ItemPlanView(LoginRequiredMixin, PermissionRequiredMixin, generic.TemplateView):
    """The classic MRP grid of one item in the current plan, with the rows behind it."""

    permission_required = ("aps.view_plannedorder", "aps.view_plandemand", "aps.view_plansupply")
    template_name = "aps/mrp/item_plan.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = get_object_or_404(Item.objects.select_related("uom", "default_supplier"), code=self.kwargs["code"])
        form = ItemPlanForm(self.request.GET or None)
        weeks = (form.cleaned_data.get("weeks") if form.is_valid() else None) or 13
        run = current_run()
        plan = item_plan(item=item, run=run, weeks=weeks) if run is not None else None
        context.update(
            item=item,
            run=run,
            plan=plan,
            form=form,
            weeks=weeks,
            grid=[(FIGURE_LABELS[name], values) for name, values in plan.rows] if plan else [],
            demands=[(demand, demand_url(demand)) for demand in plan.demands] if plan else [],
            supplies=[(supply, supply_url(supply)) for supply in plan.supplies] if plan else [],
        )
        return context


@login_required
@permission_required(ItemPlanView.permission_required, raise_exception=True)
def item_plan_lookup(request):
    """The item plan of the code typed on the MRP home (for who may see item plans: it tells which codes exist)."""
    form = ItemPlanLookupForm(request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("item", [])) or _("Type an item code."))
        return redirect("aps:mrp_home")
    return redirect("aps:item_plan", code=form.cleaned_data["item"].code)


urlpatterns = [
    path("mrp/", MrpHomeView.as_view(), name="mrp_home"),
    path("mrp/run/", mrp_run_view, name="mrp_run"),
    path("items/plan/", item_plan_lookup, name="item_plan_lookup"),
    path("items/<path:code>/plan/", ItemPlanView.as_view(), name="item_plan"),
    path("planned-orders/firm/", planned_orders_firm_view, name="plannedorder_firm_selected"),
]
for screens in SCREENS:
    urlpatterns += screens.urls()
urlpatterns += [
    path("planned-orders/<int:pk>/<slug:command>/", planned_order_command, name="plannedorder_command"),
]

MENU = (
    MenuItem(gettext_lazy("MRP"), "aps:mrp_home", "aps.view_mrprun"),
    model_item(gettext_lazy("Planned orders"), "aps.plannedorder"),
    model_item(gettext_lazy("MRP exceptions"), "aps.mrpexception"),
)
