"""The after-sales service screens: the case list (filters state, priority, owner, breached), a case's page
(its SLA timers, the forms and buttons of its steps, its history, the traceability of its unit from MES and
its returns), opening and changing a case, authorizing a return (RMA) and the RMA's page where the
warehouse receives it; SLA policies are configuration screens.

Every change is a call to crm.services.cases: a refusal is shown on the page (or on the form) and nothing
is written.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from core.filtersets import filterset
from core.forms import add_service_errors
from core.navigation import model_item
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
from crm.filtersets.cases import RmaFilterSet, ServiceCaseFilterSet
from crm.forms.cases import (
    CaseForm,
    NoteForm,
    ReopenForm,
    ResolveForm,
    RespondForm,
    ResumeForm,
    RmaForm,
    RmaLineFormSet,
    SlaPolicyForm,
    SuspectForm,
    WaitForm,
)
from crm.models import ACTIVE_CASE_STATES, CaseState, Rma, RmaState, ServiceCase, SlaPolicy
from crm.selectors.cases import case_timers, case_traceability, cases_with_sla
from crm.services import cases as services
from crm.tables.cases import RmaLineTable, RmaTable, ServiceCaseTable, SlaPolicyTable
from mes.views.common import record_form_view

S = CaseState
WORK = ("crm.change_servicecase",)
RETURNS = ("crm.add_rma",)
RECEIVE = ("crm.view_rma", "crm.receive_rma")


# --- The case list and the case's forms ------------------------------------------------------------------------


class CaseOpenView(QueryPrefillMixin, ServiceFormView):
    form_class = CaseForm
    success_message = gettext_lazy("Opened %(object)s.")

    # Prefilled from links, e.g. ?account=C-MEDIA&serial=KT200-2611-0003 from a customer's page.

    def save(self, form) -> ServiceCase:
        return services.case_open(**form.cleaned_data, user=self.request.user)


class CaseEditView(ServiceFormView):
    action = "change"
    form_class = CaseForm
    success_message = gettext_lazy("Changed %(object)s.")

    @cached_property
    def object(self) -> ServiceCase:
        return get_object_or_404(
            ServiceCase.objects.select_related("account", "item", "sales_order", "owner"), pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.object}

    def save(self, form) -> ServiceCase:
        data = dict(form.cleaned_data)
        data.pop("account")
        note = data.pop("note", "")
        return services.case_update(case=self.object, note=note, user=self.request.user, **data)


# --- The case's page ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseStep:
    """A form on the case's page: when it is offered, and the service it posts to."""

    label: Any
    form_class: type
    offered: Any  # (case) -> bool
    run: Any  # (request, case, cleaned_data) -> message
    style: str = "primary"


def _respond(request, case: ServiceCase, data: dict) -> str:
    services.case_respond(case=case, text=data["text"], user=request.user)
    return _("Answered on %(case)s.") % {"case": case.number}


def _wait(request, case: ServiceCase, data: dict) -> str:
    services.case_wait_customer(case=case, text=data["text"], user=request.user)
    return _("%(case)s waits for the customer: its resolution clock stands.") % {"case": case.number}


def _resume(request, case: ServiceCase, data: dict) -> str:
    case = services.case_resume(case=case, text=data["text"], user=request.user)
    return _("%(case)s is in progress again: resolution due %(due)s.") % {
        "case": case.number,
        "due": timezone.localtime(case.resolution_due).strftime("%Y-%m-%d %H:%M") if case.resolution_due else "—",
    }


def _resolve(request, case: ServiceCase, data: dict) -> str:
    services.case_resolve(case=case, resolution=data["resolution"], user=request.user)
    return _("Resolved %(case)s.") % {"case": case.number}


def _reopen(request, case: ServiceCase, data: dict) -> str:
    services.case_reopen(case=case, reason=data["reason"], user=request.user)
    return _("Reopened %(case)s.") % {"case": case.number}


def _note(request, case: ServiceCase, data: dict) -> str:
    services.case_update(case=case, note=data["note"], user=request.user)
    return _("Added the note.")


STEPS = {
    "respond": CaseStep(gettext_lazy("Answer"), RespondForm, lambda case: case.state in ACTIVE_CASE_STATES, _respond),
    "wait": CaseStep(
        gettext_lazy("Wait for the customer"),
        WaitForm,
        lambda case: case.state in (S.OPEN, S.IN_PROGRESS),
        _wait,
        "outline-secondary",
    ),
    "resume": CaseStep(
        gettext_lazy("The customer answered"), ResumeForm, lambda case: case.state == S.WAITING_CUSTOMER, _resume
    ),
    "resolve": CaseStep(
        gettext_lazy("Resolve"), ResolveForm, lambda case: case.state in ACTIVE_CASE_STATES, _resolve, "success"
    ),
    "reopen": CaseStep(
        gettext_lazy("Reopen"), ReopenForm, lambda case: case.state in (S.RESOLVED, S.CLOSED), _reopen, "warning"
    ),
    "note": CaseStep(
        gettext_lazy("Add a note"), NoteForm, lambda case: case.state != S.CLOSED, _note, "outline-primary"
    ),
}
step_views = {
    name: record_form_view(ServiceCase, step.form_class, WORK, step.run, name) for name, step in STEPS.items()
}

COMMANDS = {
    "close": Command(
        gettext_lazy("Close"),
        "outline-success",
        WORK,
        lambda case: case.state == S.RESOLVED,
        lambda request, case: services.case_close(case=case, user=request.user),
        gettext_lazy("Closed the case."),
    ),
}
case_command = command_view(ServiceCase, COMMANDS)


class CaseDetailView(ObjectDetailView):
    """A case: who and what, its SLA timers, the steps it offers, its history, the traceability of its unit
    (`?suspect=<lot id>` traces a component lot forward) and its returns."""

    template_name = "crm/cases/servicecase_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case, user = self.object, self.request.user
        may_work = user.has_perms(WORK)
        traceability, suspect_form = self._traceability(case)
        context.update(
            can_delete=False,
            timers=case_timers(case),
            steps=[
                (name, step, step.form_class(prefix=name))
                for name, step in STEPS.items()
                if may_work and step.offered(case)
            ],
            commands=commands_for(case, user, COMMANDS),
            updates=list(case.updates.select_related("author")),
            traceability=traceability,
            suspect_form=suspect_form,
            can_trace=user.has_perm("mes.view_lotlink"),
            rmas=list(
                case.rmas.select_related("warehouse", "receipt")
                .prefetch_related("lines__item", "lines__lot")
                .order_by("number")
            ),
            can_authorize=user.has_perms(RETURNS) and case.state != S.CLOSED,
        )
        return context

    def _traceability(self, case: ServiceCase):
        """The unit's traceability, with the suspect lot chosen on the page (a lot that is not one of the
        unit's components is refused on the form, and the default suspect shown)."""
        chosen = None
        traceability = case_traceability(case=case)
        form = SuspectForm(self.request.GET or None, components=traceability.components)
        if form.is_bound and form.is_valid():
            chosen = form.cleaned_data["suspect"]
        if chosen is not None and chosen != traceability.suspect:
            try:
                traceability = case_traceability(case=case, suspect=chosen)
            except ValidationError as exc:
                add_service_errors(form, exc)
        if not form.is_bound and traceability.suspect is not None:
            form = SuspectForm(initial={"suspect": traceability.suspect.pk}, components=traceability.components)
        return traceability, form


# --- Returns --------------------------------------------------------------------------------------------------------


class RmaAuthorizeView(ModelPermissionMixin, generic.TemplateView):
    """Authorize a return on a case: where it comes back to, and its lines (the case's unit filled in)."""

    model = Rma
    action = "add"
    template_name = "crm/cases/rma_authorize.html"

    @cached_property
    def case(self) -> ServiceCase:
        return get_object_or_404(ServiceCase.objects.select_related("account", "item", "lot"), pk=self.kwargs["pk"])

    def get_context_data(self, form=None, lines=None, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.case
        initial = (
            [{"item": case.item.code, "lot": case.lot.code if case.lot else "", "quantity": 1}] if case.item else []
        )
        context.update(
            case=case,
            form=form or RmaForm(),
            lines=lines or RmaLineFormSet(prefix="lines", initial=initial),
        )
        return context

    def post(self, request, *args, **kwargs):
        form, lines = RmaForm(request.POST), RmaLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and lines.is_valid():
            rows = [line.cleaned_data for line in lines if line.cleaned_data]
            try:
                with transaction.atomic():
                    rma = services.rma_authorize(case=self.case, lines=rows, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _rma_errors(form, lines, exc)
            else:
                messages.success(request, _("Authorized return %(rma)s.") % {"rma": rma.number})
                return redirect(rma)
        return self.render_to_response(self.get_context_data(form=form, lines=lines))


def _rma_errors(form, lines, error: ValidationError) -> None:
    """The service's refusal onto the forms: `lines.<n>.<field>` onto that line's field, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    filled = [line for line in lines if line.cleaned_data]
    for name, errors in error.error_dict.items():
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) == 3 and int(parts[1]) < len(filled):
            line = filled[int(parts[1])]
            line.add_error(parts[2] if parts[2] in line.fields else None, errors)
        else:
            form.add_error(name if name in form.fields else None, errors)


def _received(request, rma: Rma) -> str:
    rma = services.rma_receive(rma=rma, user=request.user)
    return _("Received %(rma)s on %(receipt)s into %(location)s; its lots are on hold.") % {
        "rma": rma.number,
        "receipt": rma.receipt.number,
        "location": rma.warehouse.quality_location.code,
    }


RMA_COMMANDS = {
    "receive": Command(
        gettext_lazy("Receive into quality hold"),
        "primary",
        RECEIVE,
        lambda rma: rma.state == RmaState.AUTHORIZED,
        _received,
    ),
    "close": Command(
        gettext_lazy("Close"),
        "outline-secondary",
        ("crm.change_rma",),
        lambda rma: rma.state != RmaState.CLOSED,
        lambda request, rma: services.rma_close(rma=rma, user=request.user),
        gettext_lazy("Closed the return."),
    ),
}
rma_command = command_view(Rma, RMA_COMMANDS)


class RmaDetailView(ObjectDetailView):
    template_name = "crm/cases/rma_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            can_change=False, can_delete=False, commands=commands_for(self.object, self.request.user, RMA_COMMANDS)
        )
        return context


# --- Screens, URLs and menu ----------------------------------------------------------------------------------------

# The list reads each case's SLA state as of now (overdue, breached), which a fixed annotation cannot.
CASES = ServiceScreens(
    model=ServiceCase,
    queryset=cases_with_sla,
    table=ServiceCaseTable,
    filterset=ServiceCaseFilterSet,
    editable=False,
    detail_view=CaseDetailView,
    add_view=CaseOpenView,
    edit_view=CaseEditView,
)
RMAS = ServiceScreens(
    model=Rma,
    table=RmaTable,
    filterset=RmaFilterSet,
    editable=False,
    select_related=("case__account", "warehouse__quality_location", "receipt"),
    related=[(gettext_lazy("Lines"), RmaLineTable, lambda rma: rma.lines.select_related("item", "lot"))],
    detail_view=RmaDetailView,
)
SlaPolicyFilterSet = filterset(SlaPolicy, ["priority", "clock", "active"])
SLA_POLICIES = ObjectScreens(
    model=SlaPolicy,
    table=SlaPolicyTable,
    filterset=SlaPolicyFilterSet,
    form=SlaPolicyForm,
    select_related=("customer", "calendar"),
)

urlpatterns = [
    *CASES.urls(),
    *(path(f"service-cases/<int:pk>/{name}/", view, name=f"servicecase_{name}") for name, view in step_views.items()),
    path("service-cases/<int:pk>/rma/", RmaAuthorizeView.as_view(), name="rma_authorize"),
    path("service-cases/<int:pk>/<slug:command>/", case_command, name="servicecase_command"),
    *RMAS.urls(),
    path("rmas/<int:pk>/<slug:command>/", rma_command, name="rma_command"),
    *SLA_POLICIES.urls(),
]

MENU = (
    model_item(gettext_lazy("Service cases"), "crm.servicecase"),
    model_item(gettext_lazy("Returns (RMA)"), "crm.rma"),
    model_item(gettext_lazy("SLA policies"), "crm.slapolicy"),
)
