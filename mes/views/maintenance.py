"""The maintenance screens (docs/maintenance.md): preventive plans (list, page with how far each is since
last done, new and edit), maintenance orders (list, a corrective request, and the order's page with its
buttons and forms: plan, start, finish, cancel; tasks ticked off, spare parts issued, hours booked) and the
machines' reliability (MTBF and MTTR over a period).

Every change is a call to mes.services.maintenance: a refusal is shown on the page and nothing is written.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
from django_tables2 import RequestConfig

from core.formatting import format_quantity
from core.models import Machine
from core.navigation import MenuItem
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    PageTableExportMixin,
    QueryPrefillMixin,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
)
from mes.choices import MaintenanceState
from mes.filtersets.maintenance import MaintenanceOrderFilterSet, MaintenancePlanFilterSet
from mes.forms import maintenance as forms
from mes.models import MaintenanceOrder, MaintenancePlan, MaintenanceTask
from mes.selectors.maintenance import days_period, machine_reliability, open_orders, plan_statuses
from mes.services import maintenance as services
from mes.tables.maintenance import MaintenanceOrderTable, MaintenancePlanTable, ReliabilityTable
from mes.views.common import record_form_view

# Planning, starting and finishing the work is the maintenance crew's; anyone who may raise a request
# (operators too) may not run the order.
RUN = ("mes.change_maintenanceorder", "mes.change_maintenancetask")
PARTS = ("mes.add_maintenancepart",)
LABOR = ("mes.add_maintenancelabor",)
PLANS = ("mes.change_maintenanceplan",)
NOT_STARTED = (MaintenanceState.REQUESTED, MaintenanceState.PLANNED)


# --- Preventive plans ---------------------------------------------------------------------------------------


def _order_now(request, plan: MaintenancePlan) -> str:
    order = services.maintenance_plan_order(plan=plan, user=request.user)
    return _("%(number)s is planned for %(start)s.") % {
        "number": order.number,
        "start": order.planned_start.strftime("%Y-%m-%d %H:%M"),
    }


PLAN_COMMANDS = {
    "order": Command(
        gettext_lazy("Order now"),
        "primary",
        ("mes.add_maintenanceorder", *PLANS),
        lambda plan, open_order: plan.active and open_order is None,
        _order_now,
    ),
}
plan_command = command_view(MaintenancePlan, PLAN_COMMANDS)


class MaintenancePlanDetailView(ObjectDetailView):
    """A plan: how far it is since last done, its open order, its orders, and "Order now"."""

    template_name = "mes/maintenance/maintenanceplan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.object
        open_order = open_orders(plan=plan).first()
        orders = MaintenanceOrderTable(
            plan.orders.select_related("machine", "plan"), prefix="orders-", exclude=("machine", "plan")
        )
        RequestConfig(self.request, paginate={"per_page": 20}).configure(orders)
        context.update(
            status=plan_statuses([plan])[0],
            open_order=open_order,
            orders_table=orders,
            commands=commands_for(plan, self.request.user, PLAN_COMMANDS, open_order),
            tasks=[line.strip() for line in plan.tasks.splitlines() if line.strip()],
        )
        return context


class MaintenancePlanCreateView(QueryPrefillMixin, ServiceFormView):
    form_class = forms.MaintenancePlanForm

    # Prefilled from links, e.g. ?machine=ASSY-1 from a machine's page.

    def save(self, form) -> MaintenancePlan:
        return services.maintenance_plan_create(**form.cleaned_data, user=self.request.user)


class MaintenancePlanUpdateView(ServiceFormView):
    action = "change"
    form_class = forms.MaintenancePlanForm

    @cached_property
    def object(self) -> MaintenancePlan:  # looked up after the sign-in and permission checks
        return get_object_or_404(MaintenancePlan.objects.select_related("machine"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.object}

    def save(self, form) -> MaintenancePlan:
        changes = {name: value for name, value in form.cleaned_data.items() if name in services.PLAN_FIELDS}
        return services.maintenance_plan_update(plan=self.object, **changes, user=self.request.user)


# --- Orders: the buttons ------------------------------------------------------------------------------------


ORDER_COMMANDS = {
    "start": Command(
        gettext_lazy("Start work"),
        "primary",
        RUN,
        lambda order: order.state in NOT_STARTED,
        lambda request, order: services.maintenance_order_start(order=order, user=request.user),
        gettext_lazy("Started: the machine is down for maintenance."),
    ),
    "finish": Command(
        gettext_lazy("Finish"),
        "success",
        RUN,
        lambda order: order.state == MaintenanceState.IN_PROGRESS,
        lambda request, order: services.maintenance_order_finish(order=order, user=request.user),
        gettext_lazy("Done: the machine is back in service."),
    ),
    "cancel": Command(
        gettext_lazy("Cancel"),
        "outline-danger",
        RUN,
        lambda order: order.state in NOT_STARTED,
        lambda request, order: services.maintenance_order_cancel(order=order, user=request.user),
        gettext_lazy("Cancelled: the machine is free for scheduling again."),
    ),
}
order_command = command_view(MaintenanceOrder, ORDER_COMMANDS)


# --- Orders: the forms of the page --------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderForm:
    """A form on the order's page posting to one service: who may use it and in which states."""

    form: type
    permissions: tuple[str, ...]
    states: tuple[str, ...]
    run: Callable[[Any, MaintenanceOrder, dict], str]


def _plan(request, order: MaintenanceOrder, data: dict) -> str:
    order = services.maintenance_order_plan(order=order, **data, user=request.user)
    return _("Planned: %(machine)s is down for scheduling from %(start)s to %(end)s.") % {
        "machine": order.machine.code,
        "start": data["planned_start"].strftime("%Y-%m-%d %H:%M"),
        "end": data["planned_end"].strftime("%Y-%m-%d %H:%M"),
    }


def _task(request, order: MaintenanceOrder, data: dict) -> str:
    task = services.maintenance_task_add(order=order, description=data["description"], user=request.user)
    return _("Added task %(position)s.") % {"position": task.position}


def _part(request, order: MaintenanceOrder, data: dict) -> str:
    part = services.maintenance_part_issue(order=order, **data, user=request.user)
    return _("Issued %(qty)s %(unit)s of %(item)s from %(location)s.") % {
        "qty": format_quantity(part.quantity),
        "unit": part.item.uom.code,
        "item": part.item.code,
        "location": data["location"].code,
    }


def _labor(request, order: MaintenanceOrder, data: dict) -> str:
    labor = services.maintenance_labor_book(order=order, **data, user=request.user)
    return _("Booked %(minutes)s minutes of %(employee)s.") % {
        "minutes": format_quantity(labor.minutes),
        "employee": labor.employee.full_name,
    }


ORDER_FORMS = {
    "plan": OrderForm(forms.MaintenanceOrderPlanForm, RUN, NOT_STARTED, _plan),
    "task": OrderForm(forms.MaintenanceTaskForm, RUN, services.OPEN_STATES, _task),
    "part": OrderForm(forms.MaintenancePartForm, PARTS, services.PART_STATES, _part),
    "labor": OrderForm(forms.MaintenanceLaborForm, LABOR, services.LABOR_STATES, _labor),
}


def order_form_view(name: str):
    """The POST endpoint of one of the order page's forms."""
    chosen = ORDER_FORMS[name]
    return record_form_view(MaintenanceOrder, chosen.form, chosen.permissions, chosen.run, name)


@login_required
@permission_required("mes.view_maintenanceorder", raise_exception=True)
@require_POST
def task_tick_view(request, pk, task_pk):
    """Tick a task off, or on again (`done=0`)."""
    task = get_object_or_404(MaintenanceTask.objects.select_related("order"), pk=task_pk, order_id=pk)
    if not request.user.has_perms(RUN):
        messages.error(request, _("Your role cannot do this."))
        return redirect(task.order)
    done = request.POST.get("done", "1") != "0"
    try:
        services.maintenance_task_tick(task=task, done=done, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(task.order)


# --- Orders: the page ---------------------------------------------------------------------------------------


class MaintenanceOrderDetailView(ObjectDetailView):
    """An order: its machine, plan, downtime and window; its tasks, parts and hours; its buttons and forms."""

    template_name = "mes/maintenance/maintenanceorder_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order, user = self.object, self.request.user
        labor = list(order.labor.select_related("employee"))
        context.update(
            commands=commands_for(order, user, ORDER_COMMANDS),
            tasks=list(order.tasks.all()),
            can_tick=order.state == MaintenanceState.IN_PROGRESS and user.has_perms(RUN),
            parts=list(order.parts.select_related("item__uom", "lot", "move__from_location")),
            labor=labor,
            labor_hours=sum((row.minutes for row in labor), Decimal(0)) / 60,
            order_forms={
                name: chosen.form(prefix=name)
                for name, chosen in ORDER_FORMS.items()
                if order.state in chosen.states and user.has_perms(chosen.permissions)
            },
        )
        return context


class MaintenanceRequestCreateView(QueryPrefillMixin, ServiceFormView):
    """A corrective request, for anyone who may raise one (operators too)."""

    form_class = forms.MaintenanceRequestForm
    success_message = gettext_lazy("Requested %(object)s: maintenance will plan it.")

    def save(self, form) -> MaintenanceOrder:
        return services.maintenance_request(**form.cleaned_data, user=self.request.user)


# --- Reliability --------------------------------------------------------------------------------------------


class ReliabilityView(PageTableExportMixin, ModelPermissionMixin, generic.TemplateView):
    """MTBF and MTTR per machine over whole days (the last 30 unless asked), of one work center if asked."""

    model = MaintenanceOrder
    export_title = gettext_lazy("Machine reliability")
    template_name = "mes/maintenance/reliability.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ReliabilityForm(self.request.GET)
        rows = []
        if form.is_valid():
            data = form.cleaned_data
            start, end = days_period(data["date_from"], data["date_to"])
            machines = Machine.objects.filter(active=True)
            if data["work_center"]:
                machines = machines.filter(work_center=data["work_center"])
            rows = machine_reliability(start=start, end=end, machines=machines)
        failures = sum(row.failures for row in rows)
        context.update(
            form=form,
            table=ReliabilityTable(rows),
            failures=failures,
            downtime_hours=sum((row.repair_seconds for row in rows), Decimal(0)) / 3600,
        )
        return context


# --- URLs and menu ------------------------------------------------------------------------------------------

SCREENS = [
    ServiceScreens(
        model=MaintenancePlan,
        table=MaintenancePlanTable,
        filterset=MaintenancePlanFilterSet,
        editable=False,
        select_related=("machine",),
        detail_view=MaintenancePlanDetailView,
        add_view=MaintenancePlanCreateView,
        edit_view=MaintenancePlanUpdateView,
    ),
    ServiceScreens(
        model=MaintenanceOrder,
        table=MaintenanceOrderTable,
        filterset=MaintenanceOrderFilterSet,
        editable=False,
        select_related=("machine", "plan", "downtime__reason", "machine_window", "requested_by"),
        detail_view=MaintenanceOrderDetailView,
        add_view=MaintenanceRequestCreateView,
    ),
]

urlpatterns = [url for screens in SCREENS for url in screens.urls()]
# After the screens' own: "<pk>/edit/" is the edit page, not a command.
urlpatterns += [
    path("maintenance-plans/<int:pk>/<slug:command>/", plan_command, name="maintenanceplan_command"),
    *(
        path(f"maintenance-orders/<int:pk>/{name}/", order_form_view(name), name=f"maintenanceorder_{name}")
        for name in ORDER_FORMS
    ),
    path("maintenance-orders/<int:pk>/tasks/<int:task_pk>/tick/", task_tick_view, name="maintenancetask_tick"),
    path("maintenance-orders/<int:pk>/<slug:command>/", order_command, name="maintenanceorder_command"),
    path("maintenance-reliability/", ReliabilityView.as_view(), name="maintenance_reliability"),
]

MENU = (
    MenuItem(gettext_lazy("Maintenance orders"), "mes:maintenanceorder_list", "mes.view_maintenanceorder"),
    MenuItem(gettext_lazy("Preventive plans"), "mes:maintenanceplan_list", "mes.view_maintenanceplan"),
    MenuItem(gettext_lazy("Machine reliability"), "mes:maintenance_reliability", "mes.view_maintenanceorder"),
)
