"""The contract screens: contracts (list, detail, new, edit), their lines while a draft, the buttons that
put one in force or end it, what remains of each line, the call-off form and the call-offs made with
their purchase orders. Every change is one service call: a refusal is shown on the page (or on the form)
and nothing is written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import form_errors_message
from core.views.generic import (
    Command,
    EditableStatesMixin,
    ObjectDetailView,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
    run_service,
)
from srm.filtersets.sourcing import ContractFilterSet
from srm.forms.contracts import CallOffForm, ContractForm, ContractLineForm
from srm.models import Contract, ContractLine, ContractState
from srm.selectors.sourcing import call_off_open, contract_call_offs, contract_remaining, contracts
from srm.services import contracts as services
from srm.tables.sourcing import ContractTable

State = ContractState
MANAGE = "srm.change_contract"
# A call-off makes a purchase order: a buyer's work.
CALLING_OFF = (MANAGE, "erp.add_purchaseorder")


def _manage_refused(request, permissions: tuple[str, ...] = (MANAGE,)) -> bool:
    if request.user.has_perms(permissions):
        return False
    messages.error(request, _("Your role cannot do this."))
    return True


# --- New and edit -------------------------------------------------------------------------------------------------


class ContractCreateView(ServiceFormView):
    """A new draft: its header here, its lines on its page."""

    model = Contract
    form_class = ContractForm

    def save(self, form) -> Contract:
        return services.contract_create(**form.cleaned_data, buyer=self.request.user)

    def get_success_message(self, record: Contract) -> str:
        return _("Created %(contract)s: add the items agreed.") % {"contract": record.number}


class ContractUpdateView(EditableStatesMixin, ServiceFormView):
    """A draft's header; an active contract may be extended and its terms noted."""

    model = Contract
    action = "change"
    form_class = ContractForm
    editable_states = (State.DRAFT, State.ACTIVE)

    @cached_property
    def object(self) -> Contract:  # looked up after the sign-in and permission checks
        return get_object_or_404(Contract, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.object}

    def save(self, form) -> Contract:
        return services.contract_update(contract=self.object, **form.cleaned_data)


# --- The contract's page and its buttons ----------------------------------------------------------------------------


def _activate(request, contract: Contract) -> str:
    services.contract_activate(contract=contract, user=request.user)
    return _("%(contract)s is in force.") % {"contract": contract.number}


def _close(request, contract: Contract) -> str:
    services.contract_close(contract=contract, user=request.user)
    return _("%(contract)s is closed.") % {"contract": contract.number}


COMMANDS = {
    "activate": Command(gettext_lazy("Activate"), "primary", (MANAGE,), lambda c: c.state == State.DRAFT, _activate),
    "close": Command(
        gettext_lazy("Close contract"),
        "outline-secondary",
        (MANAGE,),
        lambda c: c.state in services.CLOSABLE_STATES,
        _close,
    ),
}
contract_command = command_view(Contract, COMMANDS)


class ContractDetailView(ObjectDetailView):
    """A contract with what remains of each line, the call-off form, and its call-offs with their orders."""

    template_name = "srm/contracts/contract_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract, user = self.object, self.request.user
        may_manage = user.has_perm(MANAGE)
        remaining = contract_remaining(contract=contract)
        context.update(
            remaining=remaining,
            editable=contract.state == State.DRAFT and may_manage,
            can_change=contract.state in (State.DRAFT, State.ACTIVE) and may_manage,
            can_delete=False,
            commands=commands_for(contract, user, COMMANDS),
            call_offs=contract_call_offs(contract=contract),
            can_view_orders=user.has_perm("erp.view_purchaseorder"),
        )
        if contract.state == State.DRAFT and may_manage:
            context["line_form"] = ContractLineForm(prefix="new")
        if user.has_perms(CALLING_OFF) and call_off_open(contract=contract):
            context["call_off_form"] = CallOffForm(remaining=remaining, prefix="call")
        return context


# --- Lines and call-offs --------------------------------------------------------------------------------------------


@login_required
@permission_required("srm.view_contract", raise_exception=True)
@require_POST
def contract_line_add(request, pk):
    contract = get_object_or_404(Contract, pk=pk)
    form = ContractLineForm(request.POST, prefix="new")
    if _manage_refused(request):
        return redirect(contract)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(contract)
    return run_service(
        request,
        lambda: services.contract_line_add(contract=contract, **form.cleaned_data),
        _("Line added."),
        contract.get_absolute_url(),
    )


@login_required
@permission_required("srm.view_contract", raise_exception=True)
@require_POST
def contract_line_remove(request, pk, line_pk):
    line = get_object_or_404(ContractLine.objects.select_related("contract"), pk=line_pk, contract_id=pk)
    if _manage_refused(request):
        return redirect(line.contract)
    return run_service(
        request, lambda: services.contract_line_remove(line=line), _("Line removed."), line.contract.get_absolute_url()
    )


@login_required
@permission_required("srm.view_contract", raise_exception=True)
@require_POST
def contract_call_off(request, pk):
    contract = get_object_or_404(Contract, pk=pk)
    if _manage_refused(request, CALLING_OFF):
        return redirect(contract)
    form = CallOffForm(request.POST, remaining=contract_remaining(contract=contract), prefix="call")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(contract)
    try:
        with transaction.atomic():
            call_off = services.contract_call_off(
                contract=contract,
                lines=form.cleaned_data["lines"],
                warehouse=form.cleaned_data["warehouse"],
                user=request.user,
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(contract)
    message = _("Called off on %(order)s, a draft purchase order to send to %(supplier)s.") % {
        "order": call_off.purchase_order.number,
        "supplier": contract.supplier.code,
    }
    messages.success(request, message)
    return redirect(contract)


# --- URLs ---------------------------------------------------------------------------------------------------------


# The generic list and detail read through the sourcing selector (with the contracts' values).
SCREENS = ServiceScreens(
    model=Contract,
    queryset=contracts,
    table=ContractTable,
    filterset=ContractFilterSet,
    editable=False,
    detail_view=ContractDetailView,
    add_view=ContractCreateView,
    edit_view=ContractUpdateView,
)

urlpatterns = [
    *SCREENS.urls(),
    path("contracts/<int:pk>/lines/add/", contract_line_add, name="contractline_add"),
    path("contracts/<int:pk>/lines/<int:line_pk>/remove/", contract_line_remove, name="contractline_remove"),
    path("contracts/<int:pk>/call-off/", contract_call_off, name="contract_call_off"),
    # Last: the other paths of a contract are not commands.
    path("contracts/<int:pk>/<slug:command>/", contract_command, name="contract_command"),
]
