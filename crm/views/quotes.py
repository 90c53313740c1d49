"""The quote screens: the list, a quote's page (header, lines edited on drafts, its versions, its sales order,
and the buttons of its life: promise, send, revise, accept, reject), its PDF, and the header's forms.

Every change is a call to crm.services.quotes: a refusal is shown on the page and nothing is written.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.documents.views import document_pdf_view
from core.forms import form_errors_message
from core.views.generic import (
    Command,
    ObjectDetailView,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
    run_service,
)
from crm.filtersets.quotes import QuoteFilterSet
from crm.forms.quotes import QuoteForm, QuoteLineForm
from crm.models import Quote, QuoteLine, QuoteState
from crm.quote_pdf import quote_pdf
from crm.selectors.quotes import NET_VALUE, quote_document, quote_versions
from crm.services import quotes as services
from crm.tables.quotes import QuoteTable
from erp.models import TaxRate

S = QuoteState
MANAGERS = ("crm.change_quote",)
# Accepting makes and confirms a sales order: the seller needs the right to do that too.
ACCEPTORS = (*MANAGERS, "erp.add_salesorder", "erp.change_salesorder")


def _promised(quote: Quote) -> str:
    if quote.promised_date is None:
        return _("Promised what capable-to-promise could.")
    if quote.promised_date <= quote.requested_date:
        return _("Promised for %(date)s, in time for the requested %(requested)s.") % {
            "date": quote.promised_date.isoformat(),
            "requested": quote.requested_date.isoformat(),
        }
    return _("Promised for %(date)s: %(days)s days after the requested %(requested)s.") % {
        "date": quote.promised_date.isoformat(),
        "days": (quote.promised_date - quote.requested_date).days,
        "requested": quote.requested_date.isoformat(),
    }


def _revised(quote: Quote) -> str:
    return _("Version %(version)s is a draft to edit and send.") % {"version": quote.version}


def _accepted(quote: Quote) -> str:
    return _("Accepted: sales order %(order)s is confirmed.") % {"order": quote.sales_order.number}


COMMANDS = {
    "promise": Command(
        gettext_lazy("Promise dates"),
        "outline-primary",
        MANAGERS,
        lambda quote, has_lines: quote.state == S.DRAFT and has_lines,
        lambda request, quote: _promised(services.quote_promise(quote=quote)),
    ),
    "send": Command(
        gettext_lazy("Mark as sent"),
        "primary",
        MANAGERS,
        lambda quote, has_lines: quote.state == S.DRAFT and has_lines,
        lambda request, quote: services.quote_send(quote=quote, user=request.user),
        gettext_lazy("Sent: the customer can accept it until its validity ends."),
    ),
    "revise": Command(
        gettext_lazy("Revise"),
        "outline-primary",
        MANAGERS,
        lambda quote, has_lines: quote.state in services.REVISABLE,
        lambda request, quote: _revised(services.quote_revise(quote=quote, user=request.user)),
    ),
    # Accept and reject carry a field each (the customer's PO number, the reason), posted with the button.
    "accept": Command(
        gettext_lazy("Accept"),
        "success",
        ACCEPTORS,
        lambda quote, has_lines: quote.state == S.SENT,
        lambda request, quote: _accepted(
            services.quote_accept(
                quote=quote, user=request.user, customer_reference=request.POST.get("customer_reference", "").strip()
            )
        ),
    ),
    "reject": Command(
        gettext_lazy("Reject"),
        "outline-danger",
        MANAGERS,
        lambda quote, has_lines: quote.state == S.SENT,
        lambda request, quote: services.quote_reject(
            quote=quote, reason=request.POST.get("reason", ""), user=request.user
        ),
        gettext_lazy("Rejected."),
    ),
}
quote_command = command_view(Quote, COMMANDS)


class QuoteDetailView(ObjectDetailView):
    """A quote: its lines with net and tax, its totals, promised dates, the versions of its number, its sales
    order, and the buttons its state offers."""

    template_name = "crm/quotes/quote_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quote, user = self.object, self.request.user
        document = quote_document(quote=quote)
        editable = quote.state == S.DRAFT and user.has_perms(MANAGERS)
        context.update(
            document=document,
            versions=quote_versions(quote=quote),
            editable=editable,
            add_form=QuoteLineForm() if editable else None,
            tax_rates=TaxRate.objects.order_by("code") if editable else [],
            commands=commands_for(quote, user, COMMANDS, bool(document.lines)),
            can_change=context["can_change"] and quote.state == S.DRAFT,
            can_view_order=user.has_perm("erp.view_salesorder"),
        )
        return context


class QuoteCreateView(ServiceFormView):
    """A new draft; its lines are added on its page. `?account=CODE&opportunity=NUMBER` prefills it."""

    form_class = QuoteForm

    def get_initial(self):
        return {name: value for name, value in self.request.GET.items() if name in ("account", "opportunity")}

    def save(self, form) -> Quote:
        data = form.cleaned_data
        return services.quote_create(
            account=data["account"],
            contact=data["contact"],
            opportunity=data["opportunity"],
            price_list=data["price_list"],
            currency=data["currency"],
            warehouse=data["warehouse"],
            quote_date=data["quote_date"],
            valid_until=data["valid_until"],
            requested_date=data["requested_date"],
            notes=data["notes"],
            salesperson=self.request.user,
        )


# Left empty on the edit form, these keep what the quote has (the form's defaults are for new quotes).
KEPT_WHEN_EMPTY = ("currency", "warehouse", "quote_date", "valid_until")


class QuoteUpdateView(ServiceFormView):
    """A draft's header."""

    action = "change"
    form_class = QuoteForm

    @cached_property
    def object(self) -> Quote:  # looked up after the sign-in and permission checks
        return get_object_or_404(Quote.objects.select_related("account", "opportunity"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "quote": self.object}

    def save(self, form) -> Quote:
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if not form.fields[name].disabled and not (name in KEPT_WHEN_EMPTY and value is None)
        }
        return services.quote_update(quote=self.object, **changes)


def _line_values(data: dict) -> dict:
    return {**data, "discount_pct": data.get("discount_pct") or Decimal(0)}


def _refused_role(request, quote: Quote):
    messages.error(request, _("Your role cannot do this."))
    return redirect(quote)


@login_required
@permission_required("crm.view_quote", raise_exception=True)
@require_POST
def quote_line_add(request, pk):
    quote = get_object_or_404(Quote, pk=pk)
    if not request.user.has_perms(MANAGERS):
        return _refused_role(request, quote)
    form = QuoteLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(quote)
    values = _line_values(form.cleaned_data)
    return run_service(
        request, lambda: services.quote_line_add(quote=quote, **values), _("Line added."), quote.get_absolute_url()
    )


@login_required
@permission_required("crm.view_quote", raise_exception=True)
@require_POST
def quote_line_update(request, pk, line_pk):
    line = get_object_or_404(QuoteLine.objects.select_related("quote"), pk=line_pk, quote_id=pk)
    if not request.user.has_perms(MANAGERS):
        return _refused_role(request, line.quote)
    form = QuoteLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(line.quote)
    # A row posts every field: an emptied price goes back to the price list, an emptied promise is cleared.
    values = _line_values(form.cleaned_data)
    return run_service(
        request,
        lambda: services.quote_line_update(line=line, **values),
        _("Line saved."),
        line.quote.get_absolute_url(),
    )


@login_required
@permission_required("crm.view_quote", raise_exception=True)
@require_POST
def quote_line_remove(request, pk, line_pk):
    line = get_object_or_404(QuoteLine.objects.select_related("quote"), pk=line_pk, quote_id=pk)
    if not request.user.has_perms(MANAGERS):
        return _refused_role(request, line.quote)
    return run_service(
        request, lambda: services.quote_line_remove(line=line), _("Line removed."), line.quote.get_absolute_url()
    )


# The quote as the customer receives it, shown in the browser (or saved) as QT-2026-00012-v2.pdf.
quote_pdf_view = document_pdf_view(
    Quote.objects.all(),
    lambda quote: quote_pdf(quote_document(quote=quote)),
    lambda quote: f"{quote.number}-v{quote.version}.pdf",
)


SCREENS = ServiceScreens(
    model=Quote,
    table=QuoteTable,
    filterset=QuoteFilterSet,
    editable=False,
    select_related=("account", "currency", "sales_order"),
    annotate={"net_value": NET_VALUE},
    detail_view=QuoteDetailView,
    add_view=QuoteCreateView,
    edit_view=QuoteUpdateView,
)

urlpatterns = [
    *SCREENS.urls(),
    # After the screens' own: "<pk>/edit/" is the edit page, not a command.
    path("quotes/<int:pk>/pdf/", quote_pdf_view, name="quote_pdf"),
    path("quotes/<int:pk>/lines/add/", quote_line_add, name="quoteline_add"),
    path("quotes/<int:pk>/lines/<int:line_pk>/edit/", quote_line_update, name="quoteline_edit"),
    path("quotes/<int:pk>/lines/<int:line_pk>/remove/", quote_line_remove, name="quoteline_remove"),
    path("quotes/<int:pk>/<slug:command>/", quote_command, name="quote_command"),
]
