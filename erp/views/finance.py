"""The finance screens: invoices (draft, post, pay, cancel), payments, journal entries (manual entries and
their reversal), the chart of accounts, budgets, and the reports (trial balance, profit and loss, balance
sheet, aged receivables and payables, budget against actual, stock valuation), each with a CSV download.

Every change goes through erp.services: a refusal is shown on the page and nothing is posted.
"""

import csv
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from core.documents.views import document_pdf_view
from core.exports import xlsx_response
from core.formatting import spreadsheet_safe
from core.forms import form_errors_message
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    ObjectScreens,
    ServiceScreens,
    command_view,
    commands_for,
)
from erp.choices import InvoiceState, JournalSource, ValuationMethod
from erp.documents import CUSTOMER_INVOICES, invoice_pdf
from erp.filtersets import finance as filtersets
from erp.forms import finance as forms
from erp.models import Account, Budget, CostCenter, Invoice, JournalEntry, JournalLine, Payment, ValuationLayer
from erp.selectors import finance as reports
from erp.selectors.valuation import stock_valuation
from erp.services.finance import journal_entry_create_manual, journal_entry_reverse_manual
from erp.services.invoices import invoice_cancel, invoice_create, invoice_post, payment_register
from erp.tables import finance as tables


def _form_or_refuse(form) -> dict:
    """A command's small form, cleaned; its errors refuse the command like a service would."""
    if not form.is_valid():
        raise ValidationError(form_errors_message(form))
    return form.cleaned_data


class _LinesFormView(ModelPermissionMixin, generic.TemplateView):
    """A header form and a formset of lines handed to one service; its refusal lands on the fields."""

    action = "add"
    model: type
    screens: Any = None
    form_class: type
    formset_class: type

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.screens.context(self.request.user))
        context.setdefault("form", self.form_class(initial=self.request.GET.dict()))
        context.setdefault("formset", self.formset_class(prefix="lines"))
        return context

    def create(self, data: dict, lines: list[dict]):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST)
        formset = self.formset_class(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            # Lines left empty are skipped; the service names lines by their position among those filled.
            filled = [line_form for line_form in formset.forms if line_form.cleaned_data]
            try:
                with transaction.atomic():
                    created = self.create(form.cleaned_data, [line_form.cleaned_data for line_form in filled])
            except ValidationError as exc:
                forms.service_errors(form, filled, exc)
            else:
                messages.success(request, _("Created %(object)s.") % {"object": created})
                return redirect(created)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


# --- Invoices ------------------------------------------------------------------------------------------------


def _post(request, invoice: Invoice) -> str:
    posted = invoice_post(invoice=invoice, user=request.user)
    return _("%(number)s is posted: %(total)s %(currency)s.") % {
        "number": posted.number,
        "total": f"{posted.total_amount:,.2f}",
        "currency": posted.currency.code,
    }


def _pay(request, invoice: Invoice) -> str:
    data = _form_or_refuse(forms.PaymentForm(request.POST))
    payment = payment_register(
        invoice=invoice, amount=data["amount"], date=data["date"], reference=data["reference"], user=request.user
    )
    return _("Payment %(number)s of %(amount)s registered.") % {
        "number": payment.number,
        "amount": f"{payment.amount:,.2f}",
    }


def _cancel(request, invoice: Invoice) -> str:
    data = _form_or_refuse(forms.DatedForm(request.POST))
    cancelled = invoice_cancel(invoice=invoice, date=data["date"], user=request.user)
    return _("%(number)s is cancelled.") % {"number": cancelled.number}


INVOICE_COMMANDS = {
    "post": Command(
        gettext_lazy("Post"), "primary", ("erp.change_invoice",), lambda i: i.state == InvoiceState.DRAFT, _post
    ),
    "pay": Command(
        gettext_lazy("Register payment"),
        "success",
        ("erp.add_payment",),
        lambda i: i.state == InvoiceState.POSTED,
        _pay,
    ),
    "cancel": Command(
        gettext_lazy("Cancel invoice"),
        "outline-danger",
        ("erp.change_invoice",),
        lambda i: i.state in (InvoiceState.DRAFT, InvoiceState.POSTED) and not i.paid_amount,
        _cancel,
    ),
}
invoice_command = command_view(Invoice, INVOICE_COMMANDS)


class InvoiceDetailView(ObjectDetailView):
    """An invoice: its lines and totals, payments, the entries it booked, and Post / Pay / Cancel."""

    template_name = "erp/finance/invoice_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice, user = self.object, self.request.user
        offered = {name for name, _label, _style in commands_for(invoice, user, INVOICE_COMMANDS)}
        entries = JournalEntry.objects.none()
        if user.has_perm("erp.view_journalentry"):
            entries = JournalEntry.objects.filter(reference=invoice.number).select_related("reversal_of")
        context.update(
            lines=invoice.lines.select_related("item", "tax_rate", "account"),
            payments=invoice.payments.order_by("date", "number"),
            entries=entries.order_by("date", "number"),
            can_post="post" in offered,
            pay_form=forms.PaymentForm(initial={"amount": invoice.open_amount}) if "pay" in offered else None,
            cancel_form=forms.DatedForm() if "cancel" in offered else None,
        )
        return context


class InvoiceCreateView(_LinesFormView):
    """A draft invoice not made from an order: a supplier's bill for a service, a fee charged to a customer."""

    model = Invoice
    template_name = "erp/finance/invoice_form.html"
    form_class = forms.InvoiceForm
    formset_class = forms.InvoiceLineFormSet

    def create(self, data: dict, lines: list[dict]) -> Invoice:
        return invoice_create(
            kind=data["kind"],
            partner=data["partner"],
            invoice_date=data["invoice_date"],
            due_date=data["due_date"],
            currency=data["currency"],
            supplier_reference=data["supplier_reference"],
            lines=lines,
        )


# --- Journal entries -------------------------------------------------------------------------------------------


def _reverse(request, entry: JournalEntry) -> str:
    data = _form_or_refuse(forms.DatedForm(request.POST))
    reversal = journal_entry_reverse_manual(entry=entry, date=data["date"], user=request.user)
    return _("%(entry)s is reversed by %(reversal)s.") % {"entry": entry.number, "reversal": reversal.number}


def _reversible(entry: JournalEntry) -> bool:
    return entry.source == JournalSource.MANUAL and not hasattr(entry, "reversed_by")


ENTRY_COMMANDS = {
    "reverse": Command(gettext_lazy("Reverse"), "outline-danger", ("erp.add_journalentry",), _reversible, _reverse),
}
journalentry_command = command_view(JournalEntry, ENTRY_COMMANDS)


class JournalEntryDetailView(ObjectDetailView):
    """An entry: its lines (debits equal credits), what posted it, its reversal, and Reverse for manual ones."""

    template_name = "erp/finance/journalentry_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        lines = list(entry.lines.select_related("account", "partner", "item", "cost_center"))
        reversed_by = JournalEntry.objects.filter(reversal_of=entry).first()
        context.update(
            lines=lines,
            debit=sum(line.debit for line in lines),
            credit=sum(line.credit for line in lines),
            reversed_by=reversed_by,
            invoice=Invoice.objects.filter(journal_entry=entry).first(),
            payment=Payment.objects.filter(journal_entry=entry).select_related("invoice").first(),
            layers=ValuationLayer.objects.filter(journal_entry=entry).select_related("item", "move"),
            reverse_form=forms.DatedForm()
            if _reversible(entry) and self.request.user.has_perm("erp.add_journalentry")
            else None,
        )
        return context


class JournalEntryCreateView(_LinesFormView):
    """A manual entry: accounts by code, each line a debit or a credit, debits equal to credits."""

    model = JournalEntry
    template_name = "erp/finance/journalentry_form.html"
    form_class = forms.JournalEntryForm
    formset_class = forms.JournalLineFormSet

    def create(self, data: dict, lines: list[dict]) -> JournalEntry:
        return journal_entry_create_manual(
            date=data["date"], memo=data["memo"], reference=data["reference"], lines=lines, user=self.request.user
        )


# --- Accounts ----------------------------------------------------------------------------------------------


class AccountDetailView(ObjectDetailView):
    """An account, its balance, the roles it books, and its latest postings."""

    template_name = "erp/finance/account_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account, user = self.object, self.request.user
        context.update(mappings=account.mappings.select_related("category").order_by("role"), balance=None, lines=None)
        if user.has_perm("erp.view_journalentry"):
            context.update(
                balance=reports.account_balance_of(account=account),
                lines=tables.JournalLineTable(reports.account_lines(account=account), orderable=False),
            )
        return context


SCREENS = [
    ServiceScreens(
        model=Invoice,
        table=tables.InvoiceTable,
        filterset=filtersets.InvoiceFilterSet,
        editable=False,
        select_related=("partner", "currency"),
        detail_view=InvoiceDetailView,
        add_view=InvoiceCreateView,
    ),
    ObjectScreens(
        model=Payment,
        table=tables.PaymentTable,
        filterset=filtersets.PaymentFilterSet,
        editable=False,
        select_related=("partner", "invoice__currency", "journal_entry"),
    ),
    ServiceScreens(
        model=JournalEntry,
        table=tables.JournalEntryTable,
        filterset=filtersets.JournalEntryFilterSet,
        editable=False,
        select_related=("reversal_of", "posted_by"),
        # A subquery, not a join: the list's account filter must not multiply the lines summed.
        annotate={
            "total_debit": Subquery(
                JournalLine.objects.filter(entry=OuterRef("pk"))
                .values("entry")
                .annotate(total=Sum("debit"))
                .values("total")
            )
        },
        detail_view=JournalEntryDetailView,
        add_view=JournalEntryCreateView,
    ),
    ObjectScreens(
        model=Account,
        table=tables.AccountTable,
        filterset=filtersets.AccountFilterSet,
        form=forms.AccountForm,
        select_related=("parent",),
        annotate={"role_list": ArrayAgg("mappings__role", distinct=True, default=[])},
        detail_view=AccountDetailView,
    ),
    ObjectScreens(
        model=CostCenter,
        table=tables.CostCenterTable,
        filterset=filtersets.CostCenterFilterSet,
        form=forms.CostCenterForm,
        select_related=("work_center",),
    ),
    ObjectScreens(
        model=Budget,
        table=tables.BudgetTable,
        filterset=filtersets.BudgetFilterSet,
        form=forms.BudgetForm,
        select_related=("account", "cost_center"),
    ),
]


# --- Reports ---------------------------------------------------------------------------------------------------


CENT = Decimal("0.01")


def _money(value) -> Decimal:
    # A number to the cent: the same text in a CSV file, a number cell in a workbook.
    return Decimal(value).quantize(CENT)


class ReportView(LoginRequiredMixin, PermissionRequiredMixin, generic.TemplateView):
    """A report from a small GET form (defaults filled in), as a page or, with `?export=csv` or `?export=xlsx`,
    a CSV file or a workbook."""

    form_class: type
    title: Any = ""
    permission_required: tuple[str, ...] = ()

    def defaults(self) -> dict:
        return {"as_of": timezone.localdate().isoformat()}

    def build(self, data: dict):
        raise NotImplementedError

    def csv_rows(self, report) -> Iterable[list]:
        raise NotImplementedError

    def filename(self, data: dict) -> str:
        return slugify(str(self.title))

    def get(self, request, *args, **kwargs):
        query = {name: value for name, value in request.GET.items() if name != "export"}
        form = self.form_class({**self.defaults(), **query})
        report = self.build(form.cleaned_data) if form.is_valid() else None
        if report is not None and request.GET.get("export") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{self.filename(form.cleaned_data)}.csv"'
            writer = csv.writer(response)
            writer.writerows([spreadsheet_safe(cell) for cell in row] for row in self.csv_rows(report))
            return response
        if report is not None and request.GET.get("export") == "xlsx":
            return xlsx_response(self.csv_rows(report), self.filename(form.cleaned_data), str(self.title))
        export_query = request.GET.copy()
        export_query["export"] = "csv"
        csv_url = f"?{export_query.urlencode()}"
        export_query["export"] = "xlsx"
        return self.render_to_response(
            self.get_context_data(
                form=form, report=report, title=self.title, csv_url=csv_url, xlsx_url=f"?{export_query.urlencode()}"
            )
        )


def _iso(day: datetime.date) -> str:
    return day.isoformat()


class TrialBalanceView(ReportView):
    template_name = "erp/finance/trial_balance.html"
    form_class = forms.AsOfForm
    title = gettext_lazy("Trial balance")
    permission_required = ("erp.view_journalentry", "erp.view_account")

    def build(self, data):
        return reports.trial_balance(as_of=data["as_of"])

    def filename(self, data):
        return f"trial-balance-{_iso(data['as_of'])}"

    def csv_rows(self, report):
        yield ["account", "name", "kind", "debit", "credit", "balance"]
        for row in report.rows:
            yield [
                row.account.code,
                row.account.name,
                row.account.kind,
                _money(row.debit),
                _money(row.credit),
                _money(row.balance),
            ]
        yield ["", _("Total"), "", _money(report.debit), _money(report.credit), _money(report.balance)]


class ProfitAndLossView(ReportView):
    template_name = "erp/finance/profit_and_loss.html"
    form_class = forms.PeriodForm
    title = gettext_lazy("Profit and loss")
    permission_required = ("erp.view_journalentry", "erp.view_account")

    def defaults(self):
        today = timezone.localdate()
        return {"date_from": forms.month_start(today).replace(month=1).isoformat(), "date_to": today.isoformat()}

    def build(self, data):
        return reports.profit_and_loss(
            date_from=data["date_from"], date_to=data["date_to"], cost_center=data["cost_center"]
        )

    def filename(self, data):
        return f"profit-and-loss-{_iso(data['date_from'])}-{_iso(data['date_to'])}"

    def csv_rows(self, report):
        yield ["section", "account", "name", "actual", "budget", "variance"]
        for section in (report.income, report.expense):
            for row in section.rows:
                yield [
                    section.kind,
                    row.account.code,
                    row.account.name,
                    _money(row.actual),
                    _money(row.budget),
                    _money(row.variance),
                ]
        yield ["profit", "", "", _money(report.profit), _money(report.budget_profit), ""]


class BalanceSheetView(ReportView):
    template_name = "erp/finance/balance_sheet.html"
    form_class = forms.AsOfForm
    title = gettext_lazy("Balance sheet")
    permission_required = ("erp.view_journalentry", "erp.view_account")

    def build(self, data):
        return reports.balance_sheet(as_of=data["as_of"])

    def filename(self, data):
        return f"balance-sheet-{_iso(data['as_of'])}"

    def csv_rows(self, report):
        yield ["section", "account", "name", "amount"]
        for section in (report.assets, report.liabilities, report.equity):
            for row in section.rows:
                yield [section.kind, row.account.code, row.account.name, _money(row.actual)]
        yield ["equity", "", _("Profit of the open period"), _money(report.profit)]


class AgingView(ReportView):
    template_name = "erp/finance/aging.html"
    form_class = forms.AgingForm
    title = gettext_lazy("Aged receivables and payables")
    permission_required = ("erp.view_invoice", "erp.view_payment")

    def defaults(self):
        return {**super().defaults(), "kind": "customer"}

    def build(self, data):
        return reports.aging(kind=data["kind"], as_of=data["as_of"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["buckets"] = [reports.BUCKET_LABELS[bucket] for bucket in reports.BUCKETS]
        return context

    def filename(self, data):
        return f"aging-{data['kind']}-{_iso(data['as_of'])}"

    def csv_rows(self, report):
        yield ["partner", "name", *reports.BUCKETS, "total"]
        for partner in report.partners:
            yield [partner.partner.code, partner.partner.name, *map(_money, partner.buckets), _money(partner.total)]
        yield ["", _("Total"), *map(_money, report.totals), _money(report.total)]


class BudgetReportView(ReportView):
    template_name = "erp/finance/budget_report.html"
    form_class = forms.BudgetReportForm
    title = gettext_lazy("Budget against actual")
    permission_required = ("erp.view_budget", "erp.view_journalentry")

    def defaults(self):
        return {"year": str(timezone.localdate().year)}

    def build(self, data):
        return reports.budget_report(year=data["year"], account=data["account"], cost_center=data["cost_center"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["months"] = [str(MONTHS_3[month]).capitalize() for month in range(1, 13)]
        return context

    def filename(self, data):
        return f"budget-{data['year']}"

    def csv_rows(self, report):
        yield ["account", "name", "cost_center", "month", "budget", "actual", "variance"]
        for row in report.rows:
            for month in row.months:
                if month.budget or month.actual:
                    yield [
                        row.account.code,
                        row.account.name,
                        row.cost_center.code if row.cost_center else "",
                        f"{report.year}-{month.month:02d}",
                        _money(month.budget),
                        _money(month.actual),
                        _money(month.variance),
                    ]


class StockValuationView(ReportView):
    template_name = "erp/finance/stock_valuation.html"
    form_class = forms.StockValuationForm
    title = gettext_lazy("Stock valuation")
    permission_required = ("erp.view_itemvaluation",)

    def build(self, data):
        return stock_valuation(as_of=data["as_of"], category=data["category"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The inventory account is finance's to see; the stock's value is also the planners' and buyers'.
        context["can_see_books"] = self.request.user.has_perm("erp.view_journalentry")
        context["methods"] = ValuationMethod.choices
        return context

    def filename(self, data):
        return f"stock-valuation-{_iso(data['as_of'])}"

    def csv_rows(self, report):
        yield ["item", "name", "unit", "method", "quantity", "unit_cost", "value", "on_hand"]
        for row in report.rows:
            yield [
                row.item.code,
                row.item.name,
                row.item.uom.code,
                row.method,
                row.quantity,
                row.unit_cost,
                _money(row.value),
                row.on_hand,
            ]
        yield ["", _("Total"), "", "", "", "", _money(report.total_value), ""]


urlpatterns = [
    path("invoices/<int:pk>/pdf/", document_pdf_view(CUSTOMER_INVOICES, invoice_pdf), name="invoice_pdf"),
    path("invoices/<int:pk>/<slug:command>/", invoice_command, name="invoice_command"),
    path("journal-entries/<int:pk>/<slug:command>/", journalentry_command, name="journalentry_command"),
    path("reports/trial-balance/", TrialBalanceView.as_view(), name="trial_balance"),
    path("reports/profit-and-loss/", ProfitAndLossView.as_view(), name="profit_and_loss"),
    path("reports/balance-sheet/", BalanceSheetView.as_view(), name="balance_sheet"),
    path("reports/aging/", AgingView.as_view(), name="aging"),
    path("reports/budget/", BudgetReportView.as_view(), name="budget_report"),
    path("reports/stock-valuation/", StockValuationView.as_view(), name="stock_valuation"),
]
for screens in SCREENS:
    urlpatterns += screens.urls()
