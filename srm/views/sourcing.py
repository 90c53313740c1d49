"""The sourcing screens: RFQs (list, detail, new, edit), their lines and suppliers while a draft, the buttons
that move an RFQ on (send, close, cancel), a supplier's quote typed in by a buyer, the side-by-side
comparison of the quotes with the award form, and the purchase orders the award made. Every change is
one service call: a refusal is shown on the page (or on the form) and nothing is written."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.forms import add_service_errors, form_errors_message
from core.models import Partner
from core.views.generic import (
    Command,
    EditableStatesMixin,
    ModelPermissionMixin,
    ObjectDetailView,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
    run_service,
)
from srm.filtersets.sourcing import RfqFilterSet
from srm.forms.sourcing import AwardForm, InviteForm, QuoteForm, RfqForm, RfqLineForm
from srm.models import QuoteState, Rfq, RfqInvitation, RfqLine, RfqState, SupplierQuote
from srm.selectors.sourcing import comparison, rfq_purchase_orders, rfq_quotes, rfqs
from srm.services import sourcing as services
from srm.tables.sourcing import RfqTable

State = RfqState
VIEW = "srm.view_rfq"
MANAGE = "srm.change_rfq"
# The award makes purchase orders: a buyer's work.
AWARDING = (MANAGE, "erp.add_purchaseorder")


def _refused(request, rfq: Rfq):
    messages.error(request, _("Your role cannot do this."))
    return redirect(rfq)


def _rfq_call(request, rfq: Rfq, call: Callable[[], object], success: str):
    """A button of the RFQ's page: the service's outcome as a message, back on the page."""
    if not request.user.has_perm(MANAGE):
        return _refused(request, rfq)
    return run_service(request, call, success, rfq.get_absolute_url())


# --- New and edit -------------------------------------------------------------------------------------------------


class RfqCreateView(ServiceFormView):
    """A new draft: its header here, its lines and suppliers on its page."""

    model = Rfq
    form_class = RfqForm

    def save(self, form) -> Rfq:
        return services.rfq_create(**form.cleaned_data, buyer=self.request.user)

    def get_success_message(self, record: Rfq) -> str:
        return _("Created %(rfq)s: add its lines and the suppliers to ask.") % {"rfq": record.number}


class RfqUpdateView(EditableStatesMixin, ServiceFormView):
    """A draft's header; once sent only a later answer day and the notes."""

    model = Rfq
    action = "change"
    form_class = RfqForm
    editable_states = services.INVITABLE_STATES

    @cached_property
    def object(self) -> Rfq:  # looked up after the sign-in and permission checks
        return get_object_or_404(Rfq, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "rfq": self.object}

    def save(self, form) -> Rfq:
        return services.rfq_update(rfq=self.object, **form.cleaned_data)


# --- The RFQ's page and its buttons -------------------------------------------------------------------------------


def _send(request, rfq: Rfq) -> str:
    services.rfq_send(rfq=rfq, user=request.user)
    return _("%(rfq)s is sent to its suppliers.") % {"rfq": rfq.number}


def _close(request, rfq: Rfq) -> str:
    services.rfq_close(rfq=rfq, user=request.user)
    return _("%(rfq)s is closed: no more quotes are taken.") % {"rfq": rfq.number}


def _cancel(request, rfq: Rfq) -> str:
    services.rfq_cancel(rfq=rfq, user=request.user)
    return _("%(rfq)s is cancelled.") % {"rfq": rfq.number}


COMMANDS = {
    "send": Command(gettext_lazy("Send to suppliers"), "primary", (MANAGE,), lambda r: r.state == State.DRAFT, _send),
    "close": Command(
        gettext_lazy("Close for quotes"), "outline-primary", (MANAGE,), lambda r: r.state == State.SENT, _close
    ),
    "cancel": Command(
        gettext_lazy("Cancel RFQ"),
        "outline-danger",
        (MANAGE,),
        lambda r: r.state in services.CANCELLABLE_STATES,
        _cancel,
    ),
}
rfq_command = command_view(Rfq, COMMANDS)


class RfqDetailView(ObjectDetailView):
    """An RFQ with its lines, the suppliers asked and their quotes, and what can be done next."""

    template_name = "srm/sourcing/rfq_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rfq, user = self.object, self.request.user
        may_manage = user.has_perm(MANAGE)
        is_draft = rfq.state == State.DRAFT
        quotes = {quote.supplier_id: quote for quote in rfq_quotes(rfq=rfq)}
        invitations = list(rfq.invitations.select_related("supplier").order_by("supplier__code"))
        for invitation in invitations:
            invitation.supplier_quote = quotes.get(invitation.supplier_id)
        context.update(
            lines=list(rfq.lines.select_related("item__uom").order_by("position")),
            invitations=invitations,
            quote_count=sum(1 for quote in quotes.values() if quote.state != QuoteState.WITHDRAWN),
            editable=is_draft and may_manage,
            can_change=rfq.state in services.INVITABLE_STATES and may_manage,
            can_delete=False,
            can_enter_quotes=rfq.state == State.SENT and may_manage,
            commands=commands_for(rfq, user, COMMANDS),
            purchase_orders=rfq_purchase_orders(rfq=rfq) if rfq.state == State.AWARDED else [],
            can_view_orders=user.has_perm("erp.view_purchaseorder"),
        )
        if is_draft and may_manage:
            context["line_form"] = RfqLineForm(prefix="new")
        if rfq.state in services.INVITABLE_STATES and may_manage:
            context["invite_form"] = InviteForm(rfq=rfq)
        return context


# --- Lines and suppliers ------------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def rfq_line_add(request, pk):
    rfq = get_object_or_404(Rfq, pk=pk)
    if not request.user.has_perm(MANAGE):
        return _refused(request, rfq)
    form = RfqLineForm(request.POST, prefix="new")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(rfq)
    return _rfq_call(request, rfq, lambda: services.rfq_line_add(rfq=rfq, **form.cleaned_data), _("Line added."))


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def rfq_line_remove(request, pk, line_pk):
    line = get_object_or_404(RfqLine.objects.select_related("rfq"), pk=line_pk, rfq_id=pk)
    return _rfq_call(request, line.rfq, lambda: services.rfq_line_remove(line=line), _("Line removed."))


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def rfq_invite(request, pk):
    rfq = get_object_or_404(Rfq, pk=pk)
    if not request.user.has_perm(MANAGE):
        return _refused(request, rfq)
    form = InviteForm(request.POST, rfq=rfq)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(rfq)
    suppliers = list(form.cleaned_data["suppliers"])
    success = _("Invited %(suppliers)s.") % {"suppliers": ", ".join(supplier.code for supplier in suppliers)}
    return _rfq_call(
        request, rfq, lambda: services.rfq_invite(rfq=rfq, suppliers=suppliers, user=request.user), success
    )


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def rfq_invitation_remove(request, pk, invitation_pk):
    invitation = get_object_or_404(RfqInvitation.objects.select_related("rfq"), pk=invitation_pk, rfq_id=pk)
    return _rfq_call(
        request,
        invitation.rfq,
        lambda: services.rfq_invitation_remove(invitation=invitation),
        _("%(supplier)s is no longer asked.") % {"supplier": invitation.supplier.code},
    )


# --- Quotes ------------------------------------------------------------------------------------------------------


class QuoteEntryView(ModelPermissionMixin, generic.FormView):
    """A supplier's quote as a buyer types it in (from a mail or a PDF); submitting again replaces it."""

    model = Rfq
    action = "change"
    form_class = QuoteForm
    template_name = "srm/sourcing/quote_form.html"

    @cached_property
    def rfq(self) -> Rfq:  # looked up after the sign-in and permission checks
        return get_object_or_404(Rfq.objects.select_related("currency"), pk=self.kwargs["pk"])

    @cached_property
    def supplier(self) -> Partner:
        return get_object_or_404(Partner, pk=self.kwargs["supplier_pk"], rfq_invitations__rfq=self.rfq)

    @cached_property
    def lines(self) -> list[RfqLine]:
        return list(self.rfq.lines.select_related("item__uom").order_by("position"))

    def get(self, request, *args, **kwargs):
        if self.rfq.state != State.SENT:
            message = _("%(rfq)s is %(state)s: it takes no quotes.") % {
                "rfq": self.rfq.number,
                "state": self.rfq.get_state_display().lower(),
            }
            messages.error(request, message)
            return redirect(self.rfq)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        quote = SupplierQuote.objects.filter(rfq=self.rfq, supplier=self.supplier).prefetch_related("lines").first()
        return {**super().get_form_kwargs(), "rfq": self.rfq, "lines": self.lines, "quote": quote}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(SCREENS.context(self.request.user), object=self.rfq, supplier=self.supplier)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.supplier_quote_submit(
                    rfq=self.rfq,
                    supplier=self.supplier,
                    lines=data["lines"],
                    user=self.request.user,
                    reference=data["reference"],
                    currency=data["currency"],
                    valid_until=data["valid_until"],
                    notes=data["notes"],
                )
        except ValidationError as exc:
            add_service_errors(form, _line_errors_on_form(exc, data["lines"]))
            return self.form_invalid(form)
        message = _("The quote of %(supplier)s is in.") % {"supplier": self.supplier.code}
        messages.success(self.request, message)
        return redirect(self.rfq)


# The service names a line's fields as the quote line does; the form names them per RFQ line.
_QUOTE_FIELDS = {"unit_price": "price", "lead_time_days": "lead", "min_order_qty": "moq", "quantity": "quantity"}


def _line_errors_on_form(exc: ValidationError, lines: list[dict]) -> ValidationError:
    """The service's `lines.<index>.<field>` errors renamed to the form's `<field>_<RFQ line id>`."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {}
    for name, errors in exc.error_dict.items():
        prefix, _dot, rest = name.partition(".")
        index, _dot, field = rest.partition(".")
        if prefix == "lines" and index.isdigit() and field in _QUOTE_FIELDS:
            renamed[f"{_QUOTE_FIELDS[field]}_{lines[int(index)]['rfq_line'].pk}"] = errors
        else:
            renamed[name] = errors
    return ValidationError(renamed)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def quote_withdraw(request, pk, quote_pk):
    quote = get_object_or_404(SupplierQuote.objects.select_related("rfq", "supplier"), pk=quote_pk, rfq_id=pk)
    return _rfq_call(
        request,
        quote.rfq,
        lambda: services.supplier_quote_withdraw(quote=quote, user=request.user),
        _("The quote of %(supplier)s is withdrawn.") % {"supplier": quote.supplier.code},
    )


# --- The comparison and the award ------------------------------------------------------------------------------


class ComparisonView(ModelPermissionMixin, generic.TemplateView):
    """The quotes side by side: suppliers as columns, lines as rows, the best cell of each line marked; the
    buyer picks a cell per line and awards."""

    model = Rfq
    template_name = "srm/sourcing/comparison.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rfq = get_object_or_404(Rfq.objects.select_related("currency"), pk=self.kwargs["pk"])
        user = self.request.user
        table = comparison(rfq=rfq)
        context.update(SCREENS.context(user), object=rfq, comparison=table)
        if rfq.state in services.AWARDABLE_STATES and user.has_perms(AWARDING):
            context["award_form"] = AwardForm(comparison=table)
        return context


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def rfq_award(request, pk):
    rfq = get_object_or_404(Rfq, pk=pk)
    back = reverse("srm:rfq_comparison", args=[rfq.pk])
    if not request.user.has_perms(AWARDING):
        messages.error(request, _("Your role cannot do this."))
        return redirect(back)
    form = AwardForm(request.POST, comparison=comparison(rfq=rfq))
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(back)
    try:
        with transaction.atomic():
            orders = services.rfq_award(
                rfq=rfq,
                choices=form.cleaned_data["choices"],
                warehouse=form.cleaned_data["warehouse"],
                user=request.user,
                register_prices=form.cleaned_data["register_prices"],
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    message = _("%(rfq)s is awarded: draft purchase orders %(orders)s.") % {
        "rfq": rfq.number,
        "orders": ", ".join(order.number for order in orders),
    }
    messages.success(request, message)
    return redirect(rfq)


# --- URLs ---------------------------------------------------------------------------------------------------------


# The generic list and detail read through the sourcing selector (with the RFQs' counts).
SCREENS = ServiceScreens(
    model=Rfq,
    queryset=rfqs,
    table=RfqTable,
    filterset=RfqFilterSet,
    editable=False,
    detail_view=RfqDetailView,
    add_view=RfqCreateView,
    edit_view=RfqUpdateView,
)

urlpatterns = [
    *SCREENS.urls(),
    path("rfqs/<int:pk>/lines/add/", rfq_line_add, name="rfqline_add"),
    path("rfqs/<int:pk>/lines/<int:line_pk>/remove/", rfq_line_remove, name="rfqline_remove"),
    path("rfqs/<int:pk>/invite/", rfq_invite, name="rfq_invite"),
    path(
        "rfqs/<int:pk>/invitations/<int:invitation_pk>/remove/",
        rfq_invitation_remove,
        name="rfqinvitation_remove",
    ),
    path("rfqs/<int:pk>/suppliers/<int:supplier_pk>/quote/", QuoteEntryView.as_view(), name="rfq_quote"),
    path("rfqs/<int:pk>/quotes/<int:quote_pk>/withdraw/", quote_withdraw, name="supplierquote_withdraw"),
    path("rfqs/<int:pk>/comparison/", ComparisonView.as_view(), name="rfq_comparison"),
    path("rfqs/<int:pk>/award/", rfq_award, name="rfq_award"),
    # Last: the other paths of an RFQ are not commands.
    path("rfqs/<int:pk>/<slug:command>/", rfq_command, name="rfq_command"),
]
