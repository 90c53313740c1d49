"""The quality screens (docs/quality.md): inspection plans and their characteristics (configuration),
inspections, nonconformances with their disposition, corrective actions and closing, SPC charts per
characteristic, and the tablet's inspection entry (1280x800, large inputs) for a running operation.

Every change of a record with rules is a call to mes.services.quality: a refusal is shown on the page (or
on the tablet's form) and nothing is written.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import generic
from django.views.decorators.http import require_POST

from core.navigation import MenuItem, model_item
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    ObjectScreens,
    QueryPrefillMixin,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
)
from erp.models import Employee
from mes.choices import CharacteristicKind, Disposition, InspectionResult, NonconformanceState
from mes.filtersets.quality import (
    CharacteristicFilterSet,
    CorrectiveActionFilterSet,
    InspectionFilterSet,
    InspectionPlanFilterSet,
    NonconformanceFilterSet,
)
from mes.forms.quality import (
    CharacteristicForm,
    CorrectiveActionForm,
    DispositionForm,
    InspectionEntryForm,
    InspectionPlanForm,
    NonconformanceRaiseForm,
    SpcForm,
    characteristic_field_name,
)
from mes.models import (
    Characteristic,
    CorrectiveAction,
    Inspection,
    InspectionPlan,
    Measurement,
    Nonconformance,
    OperationRun,
)
from mes.selectors.quality import CharacteristicSpc, characteristic_spc, inspections_due, plans_for_operation
from mes.services import quality as services
from mes.tables.quality import (
    CharacteristicTable,
    CorrectiveActionTable,
    InspectionPlanTable,
    InspectionTable,
    MeasurementTable,
    NonconformanceTable,
)
from mes.views.common import record_form_view
from mes.views.tablet import OPERATOR_SESSION_KEY
from wms.models import StockMove
from wms.tablet import tablet_screen

DECIDE = ("mes.change_nonconformance",)
ACT = ("mes.change_correctiveaction",)
RECORD = "mes.add_inspection"
RECENT_MEASUREMENTS = 50


# --- Plans and characteristics: configuration ---------------------------------------------------------------


class InspectionPlanDetailView(ObjectDetailView):
    """A plan with its characteristics, and a link to add one."""

    template_name = "mes/quality/inspectionplan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("mes.add_characteristic"):
            context["add_characteristic_url"] = (
                f"{reverse('mes:characteristic_add')}?{urlencode({'plan': self.object.pk})}"
            )
        return context


class CharacteristicDetailView(ObjectDetailView):
    """A characteristic, its last measurements, and its SPC page when it is measured."""

    template_name = "mes/quality/characteristic_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        measured = self.object.kind == CharacteristicKind.VARIABLE
        context["spc_url"] = reverse("mes:spc", args=[self.object.pk]) if measured else ""
        return context


def _recent_measurements(characteristic: Characteristic):
    return characteristic.measurements.select_related("characteristic").order_by("-measured_at", "-pk")[
        :RECENT_MEASUREMENTS
    ]


PLANS = ObjectScreens(
    model=InspectionPlan,
    table=InspectionPlanTable,
    filterset=InspectionPlanFilterSet,
    form=InspectionPlanForm,
    select_related=("item",),
    related=[
        (
            gettext_lazy("Characteristics"),
            CharacteristicTable,
            lambda plan: plan.characteristics.select_related("plan", "unit"),
        )
    ],
    detail_view=InspectionPlanDetailView,
)
CHARACTERISTICS = ObjectScreens(
    model=Characteristic,
    table=CharacteristicTable,
    filterset=CharacteristicFilterSet,
    form=CharacteristicForm,
    select_related=("plan__item", "unit"),
    related=[(gettext_lazy("Last measurements"), MeasurementTable, _recent_measurements)],
    detail_view=CharacteristicDetailView,
)


# --- Inspections --------------------------------------------------------------------------------------------

INSPECTIONS = ObjectScreens(
    model=Inspection,
    table=InspectionTable,
    filterset=InspectionFilterSet,
    editable=False,
    select_related=(
        "plan__item",
        "operation__order",
        "lot",
        "machine",
        "receipt_line__receipt",
        "inspector",
        "user",
    ),
    related=[
        (
            gettext_lazy("Measurements"),
            MeasurementTable,
            lambda inspection: inspection.measurements.select_related("characteristic"),
        ),
        (
            gettext_lazy("Nonconformances"),
            NonconformanceTable,
            lambda inspection: inspection.nonconformances.select_related("item", "lot", "supplier"),
        ),
    ],
)


# --- Nonconformances ----------------------------------------------------------------------------------------


class NonconformanceRaiseView(QueryPrefillMixin, ServiceFormView):
    """Raise a nonconformance by hand; its lot is held from now on."""

    form_class = NonconformanceRaiseForm
    success_message = gettext_lazy("Raised %(object)s.")

    # Prefilled from links, e.g. ?lot=EL-7&item=HE-2000 from a lot's page.

    def save(self, form) -> Nonconformance:
        data = form.cleaned_data
        return services.nonconformance_raise(
            description=data["description"],
            lot=data["lot"],
            item=data["item"],
            supplier=data["supplier"],
            quantity=data["quantity"] or 0,
            user=self.request.user,
        )


def _close(request, nonconformance: Nonconformance) -> str:
    services.nonconformance_close(nonconformance=nonconformance, user=request.user)
    return _("Closed %(number)s.") % {"number": nonconformance.number}


COMMANDS = {
    "close": Command(
        gettext_lazy("Close"),
        "success",
        DECIDE,
        lambda nonconformance: nonconformance.state == NonconformanceState.DISPOSITIONED,
        _close,
    ),
}
nonconformance_command = command_view(Nonconformance, COMMANDS)


class NonconformanceDetailView(ObjectDetailView):
    """A nonconformance: what is wrong, its lot's hold, the disposition (a form while open), the stock it
    moved, its corrective actions (completed here) and the Close button."""

    template_name = "mes/quality/nonconformance_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        nonconformance, user = self.object, self.request.user
        is_open = nonconformance.state == NonconformanceState.OPEN
        context.update(
            commands=commands_for(nonconformance, user, COMMANDS),
            can_change=False,
            can_delete=False,
            disposition_form=DispositionForm(prefix="disposition") if is_open and user.has_perms(DECIDE) else None,
            action_form=(
                CorrectiveActionForm(prefix="action")
                if nonconformance.state != NonconformanceState.CLOSED and user.has_perm("mes.add_correctiveaction")
                else None
            ),
            actions=list(nonconformance.actions.select_related("owner")),
            can_complete=user.has_perms(ACT),
            moves=list(
                StockMove.objects.filter(reference=nonconformance.number).select_related("from_location", "to_location")
            ),
        )
        return context


def _disposition(request, nonconformance: Nonconformance, data: dict[str, Any]) -> str:
    nonconformance = services.nonconformance_disposition(
        nonconformance=nonconformance,
        disposition=data["disposition"],
        note=data["note"],
        quantity=data["quantity"],
        work_center=data["work_center"],
        user=request.user,
    )
    if nonconformance.rework_operation is not None:
        return _("Rework: operation %(seq)s added to %(order)s, ready to start.") % {
            "seq": nonconformance.rework_operation.seq,
            "order": nonconformance.rework_operation.order.number,
        }
    return _("%(number)s: %(disposition)s.") % {
        "number": nonconformance.number,
        "disposition": Disposition(nonconformance.disposition).label,
    }


def _action_add(request, nonconformance: Nonconformance, data: dict[str, Any]) -> str:
    services.corrective_action_create(nonconformance=nonconformance, user=request.user, **data)
    return _("Added the corrective action.")


nonconformance_disposition = record_form_view(Nonconformance, DispositionForm, DECIDE, _disposition, "disposition")
corrective_action_add = record_form_view(
    Nonconformance, CorrectiveActionForm, ("mes.add_correctiveaction",), _action_add, "action"
)


@login_required
@permission_required("mes.view_nonconformance", raise_exception=True)
@require_POST
def corrective_action_complete(request, pk, action_pk):
    action = get_object_or_404(
        CorrectiveAction.objects.select_related("nonconformance"), pk=action_pk, nonconformance=pk
    )
    if not request.user.has_perms(ACT):
        messages.error(request, _("Your role cannot do this."))
    else:
        try:
            services.corrective_action_complete(action=action, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Completed the corrective action."))
    return redirect(action.nonconformance)


NONCONFORMANCES = ServiceScreens(
    model=Nonconformance,
    table=NonconformanceTable,
    filterset=NonconformanceFilterSet,
    editable=False,
    select_related=(
        "item__uom",
        "lot",
        "supplier",
        "operation__order",
        "inspection",
        "rework_operation__order",
        "raised_by",
    ),
    detail_view=NonconformanceDetailView,
    add_view=NonconformanceRaiseView,
)
CORRECTIVE_ACTIONS = ObjectScreens(
    model=CorrectiveAction,
    table=CorrectiveActionTable,
    filterset=CorrectiveActionFilterSet,
    editable=False,
    select_related=("nonconformance", "owner"),
)


# --- SPC ------------------------------------------------------------------------------------------------------


class SpcIndexView(ModelPermissionMixin, generic.TemplateView):
    """The measured characteristics, with how many measurements each has: each opens its charts."""

    model = Measurement
    template_name = "mes/quality/spc_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["characteristics"] = (
            Characteristic.objects.filter(kind=CharacteristicKind.VARIABLE, plan__active=True)
            .select_related("plan__item", "unit")
            .annotate(measured=Count("measurements"), last_measured=Max("measurements__measured_at"))
            .order_by("plan__code", "position")
        )
        return context


def _chart_data(spc: CharacteristicSpc) -> dict[str, Any]:
    """What static/js/spc.js draws, numbers as floats (a chart needs no more precision)."""
    characteristic = spc.characteristic

    def floats(values) -> list[float]:
        return [float(value) for value in values]

    data: dict[str, Any] = {
        "labels": [number for _at, _value, number in spc.points],
        "lsl": float(characteristic.lower_limit) if characteristic.lower_limit is not None else None,
        "usl": float(characteristic.upper_limit) if characteristic.upper_limit is not None else None,
        "text": {
            "value": pgettext("measured", "Value"),
            "mean": _("Mean"),
            "ucl": _("UCL"),
            "lcl": _("LCL"),
            "lsl": _("LSL"),
            "usl": _("USL"),
            "range": _("Range"),
            "subgroupMean": _("Subgroup mean"),
        },
    }
    if spc.individuals is not None:
        chart = spc.individuals
        data["individuals"] = {
            "values": floats(chart.values),
            "mean": float(chart.mean),
            "ucl": float(chart.ucl),
            "lcl": float(chart.lcl),
        }
    if spc.xbar_r is not None:
        chart = spc.xbar_r
        data["xbar"] = {
            "means": floats(chart.means),
            "ranges": floats(chart.ranges),
            "grandMean": float(chart.grand_mean),
            "rBar": float(chart.r_bar),
            "xUcl": float(chart.x_ucl),
            "xLcl": float(chart.x_lcl),
            "rUcl": float(chart.r_ucl),
            "rLcl": float(chart.r_lcl),
        }
    return data


class SpcView(ModelPermissionMixin, generic.TemplateView):
    """A measured characteristic's individuals chart, X-bar / R chart (subgroup size chosen) and Cp / Cpk."""

    model = Measurement
    template_name = "mes/quality/spc.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        characteristic = get_object_or_404(
            Characteristic.objects.select_related("plan__item", "unit"),
            pk=self.kwargs["pk"],
            kind=CharacteristicKind.VARIABLE,
        )
        form = SpcForm(self.request.GET or None, initial={"last": 200})
        options = form.cleaned_data if form.is_valid() else {"subgroup_size": None, "last": 200}
        spc = characteristic_spc(
            characteristic=characteristic, subgroup_size=options["subgroup_size"], last=options["last"] or 200
        )
        context.update(characteristic=characteristic, form=form, spc=spc, chart_data=_chart_data(spc))
        return context


# --- The tablet: recording an inspection of a running operation ----------------------------------------------


def _back(request, run: OperationRun) -> str:
    """Where the tablet goes after recording: `next` when it is one of ours, else the machine's screen."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("mes:tablet_machine", args=[run.machine_id])


def _recorded_message(inspection: Inspection) -> str:
    if inspection.result == InspectionResult.PASSED:
        return _("%(number)s passed.") % {"number": inspection.number}
    nonconformance = inspection.nonconformances.select_related("lot").first()
    message = _("%(number)s failed: %(nc)s is raised.") % {"number": inspection.number, "nc": nonconformance.number}
    if nonconformance.lot is not None:
        message += " " + _("Lot %(lot)s is on hold.") % {"lot": nonconformance.lot.code}
    return message


@tablet_screen(RECORD)
def inspection_record(request) -> HttpResponse:
    """`?run=<id>&plan=<id>`: one large field per characteristic of the plan; the unit (and lot) the plan's
    frequency asks for are filled in. The inspector is the operator signed in on the tablet, else a badge."""
    run_id, plan_id = request.GET.get("run", ""), request.GET.get("plan", "")
    if not (run_id.isdigit() and plan_id.isdigit()):
        raise Http404(_("Say which run and which plan: ?run=<id>&plan=<id>."))
    run = get_object_or_404(
        OperationRun.objects.select_related("operation__order__item", "operation__work_center", "machine"),
        pk=int(run_id),
    )
    plan = get_object_or_404(plans_for_operation(run.operation), pk=int(plan_id))
    operator_id = request.session.get(OPERATOR_SESSION_KEY)
    operator = Employee.objects.filter(pk=operator_id, active=True).first() if operator_id else None
    due = next((owed for owed in inspections_due(run) if owed.plan.pk == plan.pk), None)
    initial = {"unit_number": due.unit_number if due else None, "lot": due.lot.code if due and due.lot else ""}
    form = InspectionEntryForm(
        request.POST if request.method == "POST" else None, initial=initial, plan=plan, badge_needed=operator is None
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = services.inspection_record(
                    plan=plan,
                    measurements=form.measurements(),
                    operation=run.operation,
                    lot=data["lot"],
                    machine=run.machine,
                    inspector=operator or data["badge"],
                    unit_number=data["unit_number"],
                    note=data["note"],
                    user=request.user,
                )
            except ValidationError as exc:
                form.refuse(exc, {"measurements": None, "operation": None})
            else:
                level = messages.SUCCESS if inspection.result == InspectionResult.PASSED else messages.ERROR
                messages.add_message(request, level, _recorded_message(inspection))
                return redirect(_back(request, run))
        form.rescan()
    fields = [(form[characteristic_field_name(c)], c) for c in form.characteristics]
    return render(
        request,
        "mes/quality/inspection_record.html",
        {
            "run": run,
            "plan": plan,
            "due": due,
            "operator": operator,
            "form": form,
            "characteristic_fields": fields,
            "back_url": _back(request, run),
        },
    )


# --- URLs and menu -------------------------------------------------------------------------------------------

urlpatterns = [
    *PLANS.urls(),
    *CHARACTERISTICS.urls(),
    *INSPECTIONS.urls(),
    *NONCONFORMANCES.urls(),
    path("nonconformances/<int:pk>/disposition/", nonconformance_disposition, name="nonconformance_disposition"),
    path("nonconformances/<int:pk>/actions/", corrective_action_add, name="correctiveaction_create"),
    path(
        "nonconformances/<int:pk>/actions/<int:action_pk>/complete/",
        corrective_action_complete,
        name="correctiveaction_complete",
    ),
    path("nonconformances/<int:pk>/<slug:command>/", nonconformance_command, name="nonconformance_command"),
    *CORRECTIVE_ACTIONS.urls(),
    path("quality/spc/", SpcIndexView.as_view(), name="spc_index"),
    path("quality/spc/<int:pk>/", SpcView.as_view(), name="spc"),
    path("quality/inspect/", inspection_record, name="inspection_record"),
]

MENU = (
    model_item(gettext_lazy("Inspection plans"), "mes.inspectionplan"),
    model_item(gettext_lazy("Characteristics"), "mes.characteristic"),
    model_item(gettext_lazy("Inspections"), "mes.inspection"),
    model_item(gettext_lazy("Nonconformances"), "mes.nonconformance"),
    model_item(gettext_lazy("Corrective actions"), "mes.correctiveaction"),
    MenuItem(gettext_lazy("SPC charts"), "mes:spc_index", "mes.view_measurement"),
)
