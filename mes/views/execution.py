"""Execution for the office: the dispatch list of a work center or a machine (what the published schedule
sends there, and what is ready there without a place in it), the operations' runs on machines, and the
production record, event by event."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from aps.selectors.scheduling import published_schedule
from core.models import Machine, WorkCenter
from core.navigation import MenuItem, model_item
from core.views.generic import ObjectScreens
from mes.filtersets.execution import OperationRunFilterSet, ProductionEventFilterSet
from mes.models import OperationRun, ProductionEvent
from mes.selectors.dispatch import dispatch_list
from mes.tables.execution import OperationRunTable, ProductionEventTable

DISPATCH = "erp.view_productionoperation"


def run_events(run: OperationRun):
    """The events of a run: its operation's on its machine, from its start to its end."""
    events = ProductionEvent.objects.filter(operation=run.operation_id, machine=run.machine_id, at__gte=run.started_at)
    if run.finished_at is not None:
        events = events.filter(at__lte=run.finished_at)
    return events.select_related(
        "machine", "operation__order", "employee", "scrap_reason", "downtime_reason", "lot"
    ).order_by("at", "id")


RUNS = ObjectScreens(
    model=OperationRun,
    table=OperationRunTable,
    filterset=OperationRunFilterSet,
    editable=False,
    select_related=("machine", "operation__order__item"),
    related=[(_("Production events"), ProductionEventTable, run_events)],
)
EVENTS = ObjectScreens(
    model=ProductionEvent,
    table=ProductionEventTable,
    filterset=ProductionEventFilterSet,
    editable=False,
    select_related=("machine", "operation__order", "employee", "scrap_reason", "downtime_reason", "lot", "corrects"),
)


@login_required
@permission_required(DISPATCH, raise_exception=True)
@require_GET
def dispatch_index(request):
    """The work centers with their machines: each opens its dispatch list."""
    centers = WorkCenter.objects.filter(machines__active=True).distinct().order_by("code")
    machines = Machine.objects.filter(active=True).select_related("work_center").order_by("work_center__code", "code")
    return render(
        request,
        "mes/execution/dispatch_index.html",
        {"centers": centers, "machines": machines, "schedule": published_schedule()},
    )


@login_required
@permission_required(DISPATCH, raise_exception=True)
@require_GET
def dispatch(request, pk, scope):
    if scope == "machine":
        target = get_object_or_404(Machine.objects.select_related("work_center"), pk=pk)
        entries = dispatch_list(machine=target)
    else:
        target = get_object_or_404(WorkCenter, pk=pk)
        entries = dispatch_list(work_center=target)
    return render(
        request,
        "mes/execution/dispatch.html",
        {"target": target, "scope": scope, "entries": entries, "schedule": published_schedule()},
    )


urlpatterns = [
    path("dispatch/", dispatch_index, name="dispatch"),
    path("dispatch/work-centers/<int:pk>/", dispatch, {"scope": "work_center"}, name="dispatch_work_center"),
    path("dispatch/machines/<int:pk>/", dispatch, {"scope": "machine"}, name="dispatch_machine"),
    *RUNS.urls(),
    *EVENTS.urls(),
]

MENU = (
    MenuItem(_("Dispatch list"), "mes:dispatch", DISPATCH),
    model_item(_("Operation runs"), "mes.operationrun"),
    model_item(_("Production events"), "mes.productionevent"),
)
