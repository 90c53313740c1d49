"""The finite-capacity scheduling screens (docs/scheduling.md): the schedules (list with "Schedule now",
a schedule's page with its KPIs, jobs, machine loads, buttons and what-if forms, several side by side), the
Gantt chart with its drag-to-move endpoint, and the plant's scheduling data (settings, changeover matrices,
real machine downtime).

Every change to a schedule is a call to aps.services.scheduling: a refusal is shown on the page (or, for a
drag on the Gantt, returned as 400 with its reasons) and nothing is changed. Solving goes to the
background; its progress is the task run's page, or the schedule's own while it runs.
"""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig, SingleTableMixin

from aps.choices import ScheduleState
from aps.forms.scheduling import (
    ChangeoverForm,
    MachineWindowForm,
    ScenarioForm,
    ScenarioMachineWindowForm,
    ScheduleCompareForm,
    ScheduleNowForm,
    SchedulingSettingsForm,
    WhatIfOrderForm,
)
from aps.models import Changeover, MachineWindow, Schedule, ScheduleOperation, SchedulingSettings
from aps.selectors.gantt import gantt_data
from aps.selectors.scheduling import machine_loads, published_schedule, schedules
from aps.services.scheduling import (
    operation_move,
    scenario_add_order,
    scenario_create,
    scenario_machine_window,
    schedule_create,
    schedule_publish,
    schedule_solve_start,
)
from aps.tables.scheduling import (
    STATE_STYLES,
    ChangeoverTable,
    MachineLoadTable,
    MachineWindowTable,
    ScheduleJobTable,
    ScheduleTable,
    hours,
)
from core.choices import TaskRunStatus
from core.forms import form_errors_message
from core.models import Machine, WorkCenter
from core.navigation import MenuItem
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    ObjectScreens,
    ServiceFormView,
    TableExportMixin,
    command_view,
    commands_for,
)

CREATE = ("aps.add_schedule", "aps.change_schedule")
MANAGE = ("aps.change_schedule",)
MOVE = "aps.change_scheduleoperation"
UNDER_WAY = (TaskRunStatus.PENDING, TaskRunStatus.RUNNING)
# A schedule the solver may still change: what-ifs go into scenarios not published (nor being solved).
CLOSED = (ScheduleState.SOLVING, ScheduleState.PUBLISHED, ScheduleState.SUPERSEDED)

SCHEDULES = ObjectScreens(
    model=Schedule,
    table=ScheduleTable,
    filterset=None,
    editable=False,
    select_related=("created_by", "based_on", "task_run", "published_by"),
)


def _under_way(schedule: Schedule) -> bool:
    return schedule.task_run is not None and schedule.task_run.status in UNDER_WAY


# --- The schedules and "Schedule now" ------------------------------------------------------------------------


class ScheduleListView(TableExportMixin, ModelPermissionMixin, SingleTableMixin, generic.ListView):
    """Every schedule with its KPIs (the published one highlighted), ticks to compare, and Schedule now."""

    model = Schedule
    table_class = ScheduleTable
    template_name = "aps/scheduling/schedule_list.html"

    def get_queryset(self):
        return schedules()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        published = published_schedule()
        context.update(
            published=published,
            published_makespan=hours(published.makespan_minutes) if published else "",
            under_way=list(schedules().filter(task_run__status__in=UNDER_WAY)[:5]),
            now_form=ScheduleNowForm() if user.has_perms(CREATE) else None,
        )
        return context


@login_required
@require_POST
def schedule_now_view(request):
    """Make a schedule of the open orders and queue its solving; the run's page shows the progress."""
    back = reverse("aps:schedule_list")
    if not request.user.has_perms(CREATE):
        messages.error(request, _("Your role cannot do this."))
        return redirect(back)
    form = ScheduleNowForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(back)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            schedule = schedule_create(
                name=data["name"],
                user=request.user,
                include_planned=data["include_planned"],
                full_replan=data["full_replan"],
            )
            run = schedule_solve_start(schedule=schedule, user=request.user, publish=data["publish"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("%(name)s is being solved; its progress is shown below.") % {"name": schedule.name})
    return redirect(run.get_absolute_url())


# --- A schedule's page and its buttons ------------------------------------------------------------------------


def _solve(request, schedule: Schedule) -> str:
    schedule_solve_start(schedule=schedule, user=request.user)
    return _("Solving %(name)s; its progress is shown below.") % {"name": schedule.name}


def _publish(request, schedule: Schedule) -> str:
    schedule_publish(schedule=schedule, user=request.user)
    return _("Published %(name)s: the shop floor works to it now.") % {"name": schedule.name}


def _may_solve(schedule: Schedule, under_way: bool) -> bool:
    """Drafts and failures; a scenario again after its what-ifs; a schedule a lost worker left "solving"."""
    if under_way:
        return False
    return schedule.state in (ScheduleState.DRAFT, ScheduleState.FAILED, ScheduleState.SOLVING) or (
        schedule.is_scenario and schedule.state == ScheduleState.SOLVED
    )


COMMANDS = {
    "solve": Command(gettext_lazy("Solve"), "primary", MANAGE, _may_solve, _solve),
    "publish": Command(
        gettext_lazy("Publish"),
        "success",
        MANAGE,
        lambda schedule, under_way: schedule.state == ScheduleState.SOLVED and not under_way,
        _publish,
    ),
}
schedule_command = command_view(Schedule, COMMANDS)


class ScheduleDetailView(ObjectDetailView):
    """A schedule's KPIs and reason, its buttons, its jobs and machine loads; a scenario's what-if forms."""

    template_name = "aps/scheduling/schedule_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        schedule: Schedule = self.object
        user = self.request.user
        under_way = _under_way(schedule)
        jobs = ScheduleJobTable(schedule.jobs.select_related("item"), prefix="jobs-")
        RequestConfig(self.request, paginate={"per_page": 50}).configure(jobs)
        what_if = schedule.is_scenario and schedule.state not in CLOSED and not under_way and user.has_perms(MANAGE)
        context.update(
            commands=commands_for(schedule, user, COMMANDS, under_way),
            state_style=STATE_STYLES.get(schedule.state, "secondary"),
            task=schedule.task_run if under_way else None,
            makespan_hours=hours(schedule.makespan_minutes),
            jobs_table=jobs,
            loads_table=MachineLoadTable(machine_loads(schedule)),
            scenario_form=ScenarioForm(initial={"name": _("What-if of %(name)s") % {"name": schedule.name}})
            if user.has_perms(CREATE)
            else None,
            order_form=WhatIfOrderForm() if what_if else None,
            window_form=ScenarioMachineWindowForm() if what_if else None,
            scenario_windows=list(schedule.machine_windows.select_related("machine")) if schedule.is_scenario else [],
        )
        return context


class _ScheduleFormView(ServiceFormView):
    """A form of a schedule's page on a page of its own, where a refusal shows on the form: `save` calls
    the service and returns the schedule whose page comes next."""

    template_name = "aps/scheduling/schedule_form.html"
    model = Schedule
    screens = SCHEDULES
    title = ""
    intro = ""

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(Schedule, pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = get_object_or_404(Schedule, pk=kwargs["pk"])
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, intro=self.intro)
        return context


class ScenarioCreateView(_ScheduleFormView):
    action = "add"
    form_class = ScenarioForm
    title = gettext_lazy("New scenario")
    intro = gettext_lazy("A copy of this schedule, its orders and its machine windows, to change and solve.")
    success_message = gettext_lazy("Made the scenario %(object)s.")

    def save(self, form) -> Schedule:
        return scenario_create(based_on=self.object, name=form.cleaned_data["name"], user=self.request.user)


class WhatIfOrderView(_ScheduleFormView):
    action = "change"
    form_class = WhatIfOrderForm
    title = gettext_lazy("What-if order")
    intro = gettext_lazy("An order scheduled by its item's routing, in this scenario only. Solve it again to see.")

    def save(self, form) -> Schedule:
        self.job = scenario_add_order(schedule=self.object, **form.cleaned_data)
        return self.object

    def get_success_message(self, record: Schedule) -> str:
        return _("Added the what-if order %(reference)s; solve the scenario to place it.") % {
            "reference": self.job.reference
        }


class ScenarioMachineWindowView(_ScheduleFormView):
    action = "change"
    form_class = ScenarioMachineWindowForm
    title = gettext_lazy("Machine down or extra shift")
    intro = gettext_lazy("In this scenario only; real downtime is entered under Machine downtime.")

    def save(self, form) -> Schedule:
        self.window = scenario_machine_window(schedule=self.object, **form.cleaned_data)
        return self.object

    def get_success_message(self, record: Schedule) -> str:
        return _("Added %(window)s; solve the scenario to see what it changes.") % {"window": self.window}


# --- Comparing schedules --------------------------------------------------------------------------------------


def _row(label: str, values: list, *, lower: bool, show: Callable[[Any], str] = str) -> dict[str, Any]:
    """A KPI across the schedules; the best value marked (lowest or highest), unless all are the same."""
    known = [value for value in values if value is not None]
    best = (min(known) if lower else max(known)) if known else None
    differ = len(set(known)) > 1
    return {
        "label": label,
        "cells": [
            {"text": "—" if value is None else show(value), "best": differ and value == best} for value in values
        ],
    }


def compare_rows(chosen: list[Schedule]) -> list[dict[str, Any]]:
    """The KPIs of the schedules side by side: tardiness, makespan and setups (less is better), then each
    machine's utilization until the schedule's last operation ends (more is better: the same work in less
    time)."""
    loads = {schedule.pk: {load.machine.pk: load for load in machine_loads(schedule)} for schedule in chosen}
    rows = [
        _row(_("Tardy orders"), [s.tardy_orders for s in chosen], lower=True),
        _row(_("Weighted tardiness"), [s.weighted_tardiness for s in chosen], lower=True),
        _row(_("Makespan (h)"), [s.makespan_minutes for s in chosen], lower=True, show=hours),
        _row(_("Total setup (min)"), [s.setup_minutes for s in chosen], lower=True),
    ]
    machines = {load.machine.pk: load.machine for by_machine in loads.values() for load in by_machine.values()}
    for machine in sorted(machines.values(), key=lambda m: (m.work_center.code, m.code)):
        values = [loads[s.pk][machine.pk].utilization_pct if machine.pk in loads[s.pk] else None for s in chosen]
        rows.append(
            _row(
                _("Utilization %% of %(machine)s") % {"machine": machine.code},
                values,
                lower=False,
                show=lambda value: f"{value:.1f}",
            )
        )
    return rows


class ScheduleCompareView(ModelPermissionMixin, generic.TemplateView):
    model = Schedule
    template_name = "aps/scheduling/schedule_compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ScheduleCompareForm(self.request.GET or None)
        chosen = list(schedules().filter(pk__in=form.cleaned_data["ids"]).order_by("pk")) if form.is_valid() else []
        context.update(
            form=form,
            chosen=chosen,
            rows=compare_rows(chosen) if chosen else [],
            columns=[(schedule, STATE_STYLES.get(schedule.state, "secondary")) for schedule in chosen],
        )
        return context


# --- The Gantt chart and its drag ------------------------------------------------------------------------------


# The words static/js/gantt.js shows, in the user's language.
GANTT_LABELS = {
    "late": gettext_lazy("late"),
    "onTime": gettext_lazy("On time"),
    "lateJob": gettext_lazy("Late order"),
    "free": gettext_lazy("Free"),
    "started": gettext_lazy("Started"),
    "frozen": gettext_lazy("Frozen"),
    "pinned": gettext_lazy("Pinned"),
    "setup": gettext_lazy("setup"),
    "minutes": gettext_lazy("min"),
    "due": gettext_lazy("due"),
    "down": gettext_lazy("Down"),
    "busy": gettext_lazy("busy"),
    "noWork": gettext_lazy("no working time"),
    "orderColours": gettext_lazy("One colour per order"),
    "now": gettext_lazy("Now"),
    "frozenUntil": gettext_lazy("Frozen until"),
    "otherWorkCenter": gettext_lazy("An operation moves only to a machine of its own work center."),
    "failed": gettext_lazy("The change could not be saved."),
    "unplaced": gettext_lazy("operations are not placed yet: solve the schedule."),
    "empty": gettext_lazy("Nothing to show: the schedule has no placed operations."),
    "inactive": gettext_lazy("inactive"),
}


class ScheduleGanttView(ModelPermissionMixin, generic.DetailView):
    """The page: its data comes from `schedule_gantt_data`, drawn by static/js/gantt.js."""

    model = Schedule
    template_name = "aps/scheduling/gantt.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            can_move=_may_move(self.request.user, self.object),
            labels=json.dumps({key: str(text) for key, text in GANTT_LABELS.items()}),
        )
        return context


def _may_move(user, schedule: Schedule) -> bool:
    return user.has_perm(MOVE) and schedule.state in (ScheduleState.SOLVED, ScheduleState.PUBLISHED)


def _gantt_json(user, schedule: Schedule, **extra: Any) -> JsonResponse:
    return JsonResponse({**gantt_data(schedule=schedule), "can_move": _may_move(user, schedule), **extra})


class ScheduleGanttDataView(ModelPermissionMixin, generic.View):
    model = Schedule

    def get(self, request, pk):
        return _gantt_json(request.user, get_object_or_404(Schedule, pk=pk))


def _refused(*reasons: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": list(reasons)}, status=status)


@login_required
@permission_required("aps.view_scheduleoperation", raise_exception=True)
@require_POST
def operation_move_view(request, pk):
    """A bar dropped on the Gantt: JSON `{"machine": id, "start": ISO time}` in, the chart's data out, or
    400 with `{"errors": [...]}` saying why the operation cannot go there."""
    if not request.user.has_perm(MOVE):  # before the lookup: a 404 would tell it exists
        return _refused(_("Your role cannot do this."), status=403)
    operation = get_object_or_404(ScheduleOperation.objects.select_related("job__schedule", "work_center"), pk=pk)
    try:
        body = json.loads(request.body)
        machine_id, start = int(body["machine"]), parse_datetime(str(body["start"]))
    except (ValueError, KeyError, TypeError):
        start = None
    if start is None:
        return _refused(_("Send the machine and the start time."))
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    machine = Machine.objects.select_related("work_center").filter(pk=machine_id).first()
    if machine is None:
        return _refused(_("There is no such machine."))
    try:
        moved = operation_move(operation=operation, machine=machine, start=start, user=request.user)
    except ValidationError as exc:
        return _refused(*exc.messages)
    message = _("%(operation)s now starts on %(machine)s at %(start)s.") % {
        "operation": f"{operation.job.reference} op {operation.seq}",
        "machine": machine.code,
        "start": timezone.localtime(moved.start).strftime("%Y-%m-%d %H:%M"),
    }
    return _gantt_json(request.user, operation.job.schedule, message=message)


# --- The plant's scheduling data ---------------------------------------------------------------------------------


class SchedulingSettingsView(ModelPermissionMixin, generic.UpdateView):
    """The plant's defaults for new schedules: planners only."""

    model = SchedulingSettings
    action = "change"
    form_class = SchedulingSettingsForm
    template_name = "aps/scheduling/settings_form.html"

    def get_object(self, queryset=None):
        return SchedulingSettings.load()

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Saved the scheduling settings; they apply to new schedules."))
        return redirect("aps:schedulingsettings_edit")


class ChangeoverListView(ModelPermissionMixin, generic.TemplateView):
    """The work centers with how many changeover rows each has."""

    model = Changeover
    template_name = "aps/scheduling/changeover_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["work_centers"] = WorkCenter.objects.annotate(rows=Count("changeovers")).order_by("code")
        return context


class ChangeoverMatrixView(ModelPermissionMixin, generic.TemplateView):
    """A work center's changeovers as a from x to matrix and as rows to delete, and a form to add one."""

    model = Changeover
    template_name = "aps/scheduling/changeover_matrix.html"

    def get_work_center(self) -> WorkCenter:
        return get_object_or_404(WorkCenter, pk=self.kwargs["work_center"])

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        work_center = self.get_work_center()
        rows = list(work_center.changeovers.select_related("from_family", "to_family"))
        families = sorted({row.from_family for row in rows} | {row.to_family for row in rows}, key=_family_key)
        minutes = {(row.from_family_id, row.to_family_id): row.minutes for row in rows}
        can_add = self.request.user.has_perm("aps.add_changeover")
        table = ChangeoverTable(rows, orderable=False)
        if not self.request.user.has_perm("aps.delete_changeover"):
            table.columns.hide("delete")
        context.update(
            work_center=work_center,
            table=table,
            delete_url_name="aps:changeover_delete",
            families=families,
            matrix=[
                (row_family, [minutes.get((_pk(row_family), _pk(column))) for column in families])
                for row_family in families
            ],
            form=form or (ChangeoverForm(work_center=work_center) if can_add else None),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("aps.add_changeover"):
            raise PermissionDenied
        work_center = self.get_work_center()
        form = ChangeoverForm(request.POST, work_center=work_center)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        row = form.save()
        messages.success(request, _("Added %(row)s.") % {"row": row})
        return redirect("aps:changeover_matrix", work_center=work_center.pk)


def _pk(family) -> int | None:
    return family.pk if family is not None else None


def _family_key(family) -> tuple[int, str]:
    return (0, "") if family is None else (1, family.code)


@login_required
@permission_required("aps.view_changeover", raise_exception=True)
@require_POST
def changeover_delete_view(request, pk):
    if not request.user.has_perm("aps.delete_changeover"):  # before the lookup: a 404 would tell it exists
        raise PermissionDenied
    row = get_object_or_404(Changeover.objects.select_related("work_center"), pk=pk)
    text = str(row)
    row.delete()
    messages.success(request, _("Deleted %(row)s.") % {"row": text})
    return redirect("aps:changeover_matrix", work_center=row.work_center_id)


class MachineWindowListView(TableExportMixin, ModelPermissionMixin, SingleTableMixin, generic.ListView):
    """Real downtime and extra shifts (every schedule respects them), current and coming unless asked for
    the past too; planners add and delete them here. A scenario's own windows are on its page."""

    model = MachineWindow
    table_class = MachineWindowTable
    template_name = "aps/scheduling/machinewindow_list.html"

    def get_queryset(self):
        windows = MachineWindow.objects.filter(schedule__isnull=True).select_related("machine__work_center")
        if not self.request.GET.get("past"):
            windows = windows.filter(end__gt=timezone.now())
        return windows.order_by("start", "machine__code")

    def get_table_kwargs(self):
        return {} if self.request.user.has_perm("aps.delete_machinewindow") else {"exclude": ("delete",)}

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            form=form or (MachineWindowForm() if self.request.user.has_perm("aps.add_machinewindow") else None),
            past=bool(self.request.GET.get("past")),
            delete_url_name="aps:machinewindow_delete",
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("aps.add_machinewindow"):
            raise PermissionDenied
        form = MachineWindowForm(request.POST)
        if not form.is_valid():
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(form=form))
        window = form.save()
        messages.success(request, _("Added %(window)s; the next schedule respects it.") % {"window": window})
        return redirect("aps:machinewindow_list")


@login_required
@permission_required("aps.view_machinewindow", raise_exception=True)
@require_POST
def machine_window_delete_view(request, pk):
    if not request.user.has_perm("aps.delete_machinewindow"):  # before the lookup: a 404 would tell it exists
        raise PermissionDenied
    window = get_object_or_404(MachineWindow.objects.select_related("machine"), pk=pk, schedule__isnull=True)
    text = str(window)
    window.delete()
    messages.success(request, _("Deleted %(window)s.") % {"window": text})
    return redirect("aps:machinewindow_list")


# --- URLs and menu -------------------------------------------------------------------------------------------------

_screens = {"model": Schedule, "screens": SCHEDULES}
urlpatterns = [
    path("schedules/", ScheduleListView.as_view(), name="schedule_list"),
    path("schedules/now/", schedule_now_view, name="schedule_now"),
    path("schedules/compare/", ScheduleCompareView.as_view(), name="schedule_compare"),
    path("schedules/operations/<int:pk>/move/", operation_move_view, name="scheduleoperation_move"),
    path("schedules/<int:pk>/", ScheduleDetailView.as_view(**_screens), name="schedule_detail"),
    path("schedules/<int:pk>/gantt/", ScheduleGanttView.as_view(), name="schedule_gantt"),
    path("schedules/<int:pk>/gantt.json", ScheduleGanttDataView.as_view(), name="schedule_gantt_data"),
    path("schedules/<int:pk>/scenario/", ScenarioCreateView.as_view(), name="schedule_scenario"),
    path("schedules/<int:pk>/what-if-order/", WhatIfOrderView.as_view(), name="schedule_whatif_order"),
    path("schedules/<int:pk>/machine-window/", ScenarioMachineWindowView.as_view(), name="schedule_machine_window"),
    path("schedules/<int:pk>/<slug:command>/", schedule_command, name="schedule_command"),
    path("scheduling-settings/", SchedulingSettingsView.as_view(), name="schedulingsettings_edit"),
    path("changeovers/", ChangeoverListView.as_view(), name="changeover_list"),
    path("changeovers/<int:work_center>/", ChangeoverMatrixView.as_view(), name="changeover_matrix"),
    path("changeovers/rows/<int:pk>/delete/", changeover_delete_view, name="changeover_delete"),
    path("machine-windows/", MachineWindowListView.as_view(), name="machinewindow_list"),
    path("machine-windows/<int:pk>/delete/", machine_window_delete_view, name="machinewindow_delete"),
]

MENU = (
    MenuItem(gettext_lazy("Schedules"), "aps:schedule_list", "aps.view_schedule"),
    MenuItem(gettext_lazy("Machine downtime"), "aps:machinewindow_list", "aps.view_machinewindow"),
    MenuItem(gettext_lazy("Changeovers"), "aps:changeover_list", "aps.view_changeover"),
    MenuItem(gettext_lazy("Scheduling settings"), "aps:schedulingsettings_edit", "aps.change_schedulingsettings"),
)
