"""The finance API: invoices (drafts created with their lines, then post, pay, cancel), payments, journal
entries (manual ones created, reversed), the chart of accounts, budgets, and the reports (trial balance,
profit and loss, balance sheet, aged receivables and payables, budget against actual, stock valuation).

Related records are named by code (partners, accounts, items, tax rates, cost centers, currencies). Views
are thin: each write is one service call, whose refusals the exception handler turns into 400s naming
field (`lines.1.account`), code and reason.
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Currency, Item, ItemCategory, Partner
from erp.choices import InvoiceKind
from erp.filtersets import finance as filtersets
from erp.models import Account, Budget, CostCenter, Invoice, InvoiceLine, JournalEntry, JournalLine, Payment, TaxRate
from erp.selectors import finance as reports
from erp.selectors.valuation import stock_valuation
from erp.services.finance import journal_entry_create_manual, journal_entry_reverse_manual
from erp.services.invoices import invoice_cancel, invoice_create, invoice_post, payment_register

MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 18, "decimal_places": 6}


def _ordering(model, *related: str) -> list[str]:
    return [field.name for field in model._meta.fields] + list(related)


# --- Invoices and payments ---------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    tax_rate = shown_by_code()
    account = shown_by_code()

    class Meta:
        model = InvoiceLine
        fields = (
            "position",
            "item",
            "description",
            "quantity",
            "unit_price",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "account",
        )
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    invoice = serializers.SlugRelatedField(slug_field="number", read_only=True)
    partner = shown_by_code()
    currency = serializers.CharField(source="invoice.currency.code", read_only=True)
    journal_entry = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Payment
        fields = (
            "id",
            "number",
            "direction",
            "invoice",
            "partner",
            "date",
            "amount",
            "currency",
            "reference",
            "journal_entry",
        )
        read_only_fields = fields


INVOICE_FIELDS = (
    "id",
    "number",
    "kind",
    "state",
    "partner",
    "currency",
    "exchange_rate",
    "invoice_date",
    "due_date",
    "supplier_reference",
    "sales_order",
    "purchase_order",
    "net_amount",
    "tax_amount",
    "total_amount",
    "paid_amount",
    "open_amount",
    "journal_entry",
)


class InvoiceSerializer(serializers.ModelSerializer):
    partner = shown_by_code()
    currency = shown_by_code()
    sales_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    purchase_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    journal_entry = serializers.SlugRelatedField(slug_field="number", read_only=True)
    open_amount = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Invoice
        fields = INVOICE_FIELDS
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = (*INVOICE_FIELDS, "lines", "payments")
        read_only_fields = fields


class InvoiceDraftLineSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    quantity = serializers.DecimalField(**QUANTITY)
    unit_price = serializers.DecimalField(**QUANTITY, help_text=_("In the invoice currency."))
    tax_rate = by_code(TaxRate, required=False, allow_null=True)
    account = by_code(
        Account,
        required=False,
        allow_null=True,
        help_text=_("Default: sales (customer); GRNI for an item or purchased services (supplier)."),
    )


class InvoiceCreateSerializer(StrictInputMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=InvoiceKind.choices)
    partner = by_code(Partner)
    invoice_date = serializers.DateField()
    due_date = serializers.DateField(required=False, allow_null=True, help_text=_("Default: the payment terms."))
    currency = by_code(Currency, required=False, allow_null=True, help_text=_("Default: the partner's."))
    exchange_rate = serializers.DecimalField(
        max_digits=18, decimal_places=8, required=False, allow_null=True, help_text=_("Default: the invoice date's.")
    )
    supplier_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    lines = InvoiceDraftLineSerializer(many=True)


class PaySerializer(StrictInputMixin, serializers.Serializer):
    amount = serializers.DecimalField(**MONEY, help_text=_("In the invoice currency."))
    date = serializers.DateField(required=False, help_text=_("Default: today."))
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class DatedSerializer(StrictInputMixin, serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True, help_text=_("When it is booked."))


def invoices_with_lines():
    return Invoice.objects.select_related(
        "partner", "currency", "sales_order", "purchase_order", "journal_entry"
    ).prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.select_related("item", "tax_rate", "account")),
        Prefetch(
            "payments",
            queryset=Payment.objects.select_related("partner", "invoice__currency", "journal_entry").order_by("date"),
        ),
    )


INVOICE_COMMAND = command_actions(record="invoice", responses=InvoiceDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary="Customer and supplier invoices"),
    retrieve=extend_schema(summary="An invoice with its lines and payments"),
    create=extend_schema(
        summary="A draft invoice with its lines (not from an order): post it with the post command",
        request=InvoiceCreateSerializer,
        responses={201: InvoiceDetailSerializer},
    ),
)
class InvoiceViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Invoices are created as drafts here (orders make theirs), then posted, paid and cancelled; never deleted."""

    queryset = Invoice.objects.select_related("partner", "currency", "sales_order", "purchase_order", "journal_entry")
    serializer_class = InvoiceSerializer
    detail_serializer_class = InvoiceDetailSerializer
    filterset_class = filtersets.InvoiceFilterSet
    ordering_fields = _ordering(Invoice, "partner__code")
    action_permissions = {
        "post": ["erp.change_invoice"],
        "cancel": ["erp.change_invoice"],
        "pay": ["erp.add_payment"],
    }

    def get_queryset(self):
        return invoices_with_lines() if self.action == "retrieve" else super().get_queryset()

    def get_serializer_class(self):
        return {"retrieve": InvoiceDetailSerializer, "create": InvoiceCreateSerializer}.get(
            self.action, self.serializer_class
        )

    def detail_queryset(self):
        return invoices_with_lines()

    def create(self, request, *args, **kwargs):
        invoice = invoice_create(**self.validated(InvoiceCreateSerializer))
        return self.answer(invoice, status.HTTP_201_CREATED)

    post = INVOICE_COMMAND("post", invoice_post, "Post a draft: totals computed, receivables (payables) booked")

    @extend_schema(
        summary="Register a payment of a posted invoice (in its currency)",
        request=PaySerializer,
        responses=InvoiceDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        data = self.validated(PaySerializer)
        invoice = self.get_object()
        payment_register(
            invoice=invoice,
            amount=data["amount"],
            date=data.get("date") or timezone.localdate(),
            reference=data["reference"],
            user=request.user,
        )
        return self.answer(invoice)

    @extend_schema(
        summary="Cancel a draft, or a posted invoice without payments (what it booked is reversed)",
        request=DatedSerializer,
        responses=InvoiceDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self.validated(DatedSerializer)
        return self.answer(invoice_cancel(invoice=self.get_object(), date=data.get("date"), user=request.user))


@extend_schema_view(
    list=extend_schema(summary="Payments received and made"), retrieve=extend_schema(summary="A payment")
)
class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Payments are registered on their invoices (`invoices/{id}/pay/`)."""

    queryset = Payment.objects.select_related("partner", "invoice__currency", "journal_entry")
    serializer_class = PaymentSerializer
    filterset_class = filtersets.PaymentFilterSet
    ordering_fields = _ordering(Payment, "partner__code")


# --- Journal entries ----------------------------------------------------------------------------------------


class JournalLineSerializer(serializers.ModelSerializer):
    account = shown_by_code()
    partner = shown_by_code()
    item = shown_by_code()
    cost_center = shown_by_code()

    class Meta:
        model = JournalLine
        fields = ("account", "debit", "credit", "description", "partner", "item", "cost_center")
        read_only_fields = fields


ENTRY_FIELDS = ("id", "number", "date", "memo", "source", "reference", "reversal_of", "reversed_by", "posted_at")


class JournalEntrySerializer(serializers.ModelSerializer):
    reversal_of = serializers.SlugRelatedField(slug_field="number", read_only=True)
    reversed_by = serializers.SerializerMethodField()
    posted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    lines = JournalLineSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        fields = (*ENTRY_FIELDS, "posted_by", "lines")
        read_only_fields = fields

    def get_reversed_by(self, entry) -> str | None:
        reversal = getattr(entry, "reversed_by", None)
        return reversal.number if reversal is not None else None


class ManualLineSerializer(StrictInputMixin, serializers.Serializer):
    account = serializers.CharField(help_text=_("The account's code."))
    debit = serializers.DecimalField(**MONEY, required=False, default=Decimal(0))
    credit = serializers.DecimalField(**MONEY, required=False, default=Decimal(0))
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    partner = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("A partner's code."))
    cost_center = serializers.CharField(required=False, allow_blank=True, default="")


class ManualEntrySerializer(StrictInputMixin, serializers.Serializer):
    date = serializers.DateField()
    memo = serializers.CharField(max_length=255)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    lines = ManualLineSerializer(many=True)


class ReverseSerializer(DatedSerializer):
    memo = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


def entries_with_lines():
    return JournalEntry.objects.select_related("reversal_of", "reversed_by", "posted_by").prefetch_related(
        Prefetch("lines", queryset=JournalLine.objects.select_related("account", "partner", "item", "cost_center"))
    )


@extend_schema_view(
    list=extend_schema(summary="The journal, newest first, each entry with its lines"),
    retrieve=extend_schema(summary="A journal entry with its lines"),
    create=extend_schema(
        summary="Post a manual entry (accounts by code; debits equal credits)",
        request=ManualEntrySerializer,
        responses={201: JournalEntrySerializer},
    ),
)
class JournalEntryViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Posted entries are never changed or deleted: a manual one is corrected by its reversal."""

    queryset = entries_with_lines()
    serializer_class = JournalEntrySerializer
    detail_serializer_class = JournalEntrySerializer
    filterset_class = filtersets.JournalEntryFilterSet
    ordering_fields = _ordering(JournalEntry)
    action_permissions = {"reverse": ["erp.add_journalentry"]}

    def get_serializer_class(self):
        return ManualEntrySerializer if self.action == "create" else self.serializer_class

    def detail_queryset(self):
        return entries_with_lines()

    def create(self, request, *args, **kwargs):
        entry = journal_entry_create_manual(**self.validated(ManualEntrySerializer), user=request.user)
        return self.answer(entry, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reverse a manual entry by its mirror image",
        request=ReverseSerializer,
        responses={201: JournalEntrySerializer},
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        data = self.validated(ReverseSerializer)
        reversal = journal_entry_reverse_manual(
            entry=self.get_object(), date=data.get("date"), memo=data["memo"], user=request.user
        )
        return self.answer(reversal, status.HTTP_201_CREATED)


# --- Accounts and budgets -------------------------------------------------------------------------------------


class AccountSerializer(StrictInputMixin, FullCleanSerializer):
    parent = by_code(Account, required=False, allow_null=True)

    class Meta:
        model = Account
        fields = ("id", "code", "name", "kind", "parent", "active")


class AccountViewSet(viewsets.ModelViewSet):
    queryset = Account.objects.select_related("parent").order_by("code")
    serializer_class = AccountSerializer
    filterset_class = filtersets.AccountFilterSet
    ordering_fields = _ordering(Account)


class BudgetSerializer(StrictInputMixin, FullCleanSerializer):
    account = by_code(Account)
    # A default, or DRF's uniqueness check (account, cost center, month) would make it required.
    cost_center = by_code(CostCenter, required=False, allow_null=True, default=None)
    month = serializers.IntegerField(min_value=1, max_value=12)
    year = serializers.IntegerField(min_value=1900, max_value=2999)

    class Meta:
        model = Budget
        fields = ("id", "account", "cost_center", "year", "month", "amount")


class BudgetViewSet(viewsets.ModelViewSet):
    queryset = Budget.objects.select_related("account", "cost_center").order_by("year", "month", "account__code", "pk")
    serializer_class = BudgetSerializer
    filterset_class = filtersets.BudgetFilterSet
    ordering_fields = _ordering(Budget, "account__code")


# --- Reports ------------------------------------------------------------------------------------------------


class AsOfQuery(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text=_("Default: today."))


class PeriodQuery(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    cost_center = by_code(CostCenter, required=False, allow_null=True)

    def validate(self, attrs):
        if attrs["date_from"] > attrs["date_to"]:
            message = _("The period ends after it starts.")
            raise serializers.ValidationError({"date_to": serializers.ErrorDetail(message, code="before_start")})
        return attrs


class AgingQuery(AsOfQuery):
    kind = serializers.ChoiceField(
        choices=InvoiceKind.choices, help_text=_("customer: receivables; supplier: payables.")
    )


class BudgetQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=1900, max_value=2999)
    account = by_code(Account, required=False, allow_null=True)
    cost_center = by_code(CostCenter, required=False, allow_null=True)


class StockValuationQuery(AsOfQuery):
    category = by_code(ItemCategory, required=False, allow_null=True)


def _account(account: Account) -> dict:
    return {"code": account.code, "name": account.name, "kind": account.kind}


def _section(section) -> dict:
    return {
        "kind": section.kind,
        "rows": [
            {"account": _account(row.account), "actual": row.actual, "budget": row.budget, "variance": row.variance}
            for row in section.rows
        ],
        "actual": section.actual,
        "budget": section.budget,
    }


# --- What the reports answer (documentation of their bodies: amounts are decimal strings) ---------------------


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


class ReportAccountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class TrialBalanceRowSerializer(serializers.Serializer):
    account = ReportAccountSerializer()
    debit, credit, balance = _amount(), _amount(), _amount()


class TrialBalanceSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    rows = TrialBalanceRowSerializer(many=True)
    debit, credit, balance = _amount(), _amount(), _amount()


class SectionRowSerializer(serializers.Serializer):
    account = ReportAccountSerializer()
    actual, budget, variance = _amount(), _amount(), _amount()


class SectionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    rows = SectionRowSerializer(many=True)
    actual, budget = _amount(), _amount()


class ProfitAndLossSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    cost_center = serializers.CharField(allow_null=True)
    income = SectionSerializer()
    expense = SectionSerializer()
    profit, budget_profit = _amount(), _amount()


class BalanceSheetSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    assets, liabilities, equity = SectionSerializer(), SectionSerializer(), SectionSerializer()
    profit = _amount(help_text=_("Of the open period: income less expenses not yet closed."))
    liabilities_and_equity = _amount()


class AgedInvoiceSerializer(serializers.Serializer):
    number = serializers.CharField()
    due_date = serializers.DateField()
    days_past_due = serializers.IntegerField()
    bucket = serializers.ChoiceField(choices=reports.BUCKETS)
    currency = serializers.CharField()
    open_amount = _amount(help_text=_("In the invoice currency."))
    company_amount = _amount(help_text=_("In the company currency."))


class AgingBucketsSerializer(serializers.Serializer):
    current, days_1_30, days_31_60, days_61_90, over_90 = (_amount() for _bucket in reports.BUCKETS)


class AgedPartnerSerializer(AgingBucketsSerializer):
    partner = serializers.CharField()
    name = serializers.CharField()
    total = _amount()
    invoices = AgedInvoiceSerializer(many=True)


class AgingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InvoiceKind.choices)
    as_of = serializers.DateField()
    partners = AgedPartnerSerializer(many=True)
    totals = AgingBucketsSerializer()
    total = _amount()


class BudgetMonthSerializer(serializers.Serializer):
    month = serializers.IntegerField(min_value=1, max_value=12)
    budget, actual, variance = _amount(), _amount(), _amount()


class BudgetRowSerializer(serializers.Serializer):
    account = ReportAccountSerializer()
    cost_center = serializers.CharField(allow_null=True)
    months = BudgetMonthSerializer(many=True)
    budget, actual, variance = _amount(), _amount(), _amount()


class BudgetReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rows = BudgetRowSerializer(many=True)
    budget, actual = _amount(), _amount()


class StockValuationRowSerializer(serializers.Serializer):
    item = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    method = serializers.CharField()
    quantity, unit_cost, on_hand = (serializers.DecimalField(max_digits=20, decimal_places=6) for _n in range(3))
    value = _amount()


class StockValuationSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    rows = StockValuationRowSerializer(many=True)
    total_value = _amount()
    inventory_accounts = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_("With the right to see the journal, whole stock.")
    )
    account_balance = _amount(required=False)
    difference = _amount(required=False, help_text=_("The accounts' balance less the valuation: zero normally."))


def _strings(data):
    """Amounts and quantities as decimal strings, as every serializer of the API gives them (not floats)."""
    if isinstance(data, Decimal):
        return str(data)
    if isinstance(data, dict):
        return {key: _strings(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_strings(value) for value in data]
    return data


class ReportResponse(Response):
    def __init__(self, data, **kwargs):
        super().__init__(_strings(data), **kwargs)


class ReportViewSet(viewsets.GenericViewSet):
    """The finance reports, computed from the journal when asked: GET with the query of each."""

    queryset = JournalEntry.objects.none()
    filter_backends: list = []
    pagination_class = None
    action_permissions = {
        "trial_balance": ["erp.view_journalentry", "erp.view_account"],
        "profit_and_loss": ["erp.view_journalentry", "erp.view_account"],
        "balance_sheet": ["erp.view_journalentry", "erp.view_account"],
        "aging": ["erp.view_invoice", "erp.view_payment"],
        "budget": ["erp.view_budget", "erp.view_journalentry"],
        "stock_valuation": ["erp.view_itemvaluation"],
    }

    def _query(self, serializer_class) -> dict:
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    @extend_schema(
        summary="Debits, credits and balance per account up to a day",
        parameters=[AsOfQuery],
        responses=TrialBalanceSerializer,
    )
    @action(detail=False, methods=["get"], url_path="trial-balance")
    def trial_balance(self, request):
        as_of = self._query(AsOfQuery).get("as_of") or timezone.localdate()
        report = reports.trial_balance(as_of=as_of)
        rows = [
            {"account": _account(row.account), "debit": row.debit, "credit": row.credit, "balance": row.balance}
            for row in report.rows
        ]
        return ReportResponse(
            {"as_of": as_of, "rows": rows, "debit": report.debit, "credit": report.credit, "balance": report.balance}
        )

    @extend_schema(
        summary="Income and expenses of a period against their budgets (optionally of one cost center)",
        parameters=[PeriodQuery],
        responses=ProfitAndLossSerializer,
    )
    @action(detail=False, methods=["get"], url_path="profit-and-loss")
    def profit_and_loss(self, request):
        query = self._query(PeriodQuery)
        report = reports.profit_and_loss(**query)
        return ReportResponse(
            {
                "date_from": report.date_from,
                "date_to": report.date_to,
                "cost_center": report.cost_center.code if report.cost_center else None,
                "income": _section(report.income),
                "expense": _section(report.expense),
                "profit": report.profit,
                "budget_profit": report.budget_profit,
            }
        )

    @extend_schema(
        summary="Assets, liabilities, equity and the open period's profit at a day",
        parameters=[AsOfQuery],
        responses=BalanceSheetSerializer,
    )
    @action(detail=False, methods=["get"], url_path="balance-sheet")
    def balance_sheet(self, request):
        as_of = self._query(AsOfQuery).get("as_of") or timezone.localdate()
        report = reports.balance_sheet(as_of=as_of)
        return ReportResponse(
            {
                "as_of": as_of,
                "assets": _section(report.assets),
                "liabilities": _section(report.liabilities),
                "equity": _section(report.equity),
                "profit": report.profit,
                "liabilities_and_equity": report.liabilities_and_equity,
            }
        )

    @extend_schema(
        summary="Open invoices per partner by days past due (current, 1-30, 31-60, 61-90, over 90)",
        parameters=[AgingQuery],
        responses=AgingSerializer,
    )
    @action(detail=False, methods=["get"])
    def aging(self, request):
        query = self._query(AgingQuery)
        as_of = query.get("as_of") or timezone.localdate()
        report = reports.aging(kind=query["kind"], as_of=as_of)
        partners = [
            {
                "partner": partner.partner.code,
                "name": partner.partner.name,
                **dict(zip(reports.BUCKETS, partner.buckets, strict=True)),
                "total": partner.total,
                "invoices": [
                    {
                        "number": aged.invoice.number,
                        "due_date": aged.invoice.due_date,
                        "days_past_due": aged.days_past_due,
                        "bucket": aged.bucket,
                        "currency": aged.invoice.currency.code,
                        "open_amount": aged.open_amount,
                        "company_amount": aged.company_amount,
                    }
                    for aged in partner.invoices
                ],
            }
            for partner in report.partners
        ]
        totals = dict(zip(reports.BUCKETS, report.totals, strict=True))
        return ReportResponse(
            {"kind": report.kind, "as_of": as_of, "partners": partners, "totals": totals, "total": report.total}
        )

    @extend_schema(
        summary="Budget and actual per account, cost center and month of a year",
        parameters=[BudgetQuery],
        responses=BudgetReportSerializer,
    )
    @action(detail=False, methods=["get"])
    def budget(self, request):
        report = reports.budget_report(**self._query(BudgetQuery))
        rows = [
            {
                "account": _account(row.account),
                "cost_center": row.cost_center.code if row.cost_center else None,
                "months": [
                    {"month": m.month, "budget": m.budget, "actual": m.actual, "variance": m.variance}
                    for m in row.months
                ],
                "budget": row.budget,
                "actual": row.actual,
                "variance": row.variance,
            }
            for row in report.rows
        ]
        return ReportResponse({"year": report.year, "rows": rows, "budget": report.budget, "actual": report.actual})

    @extend_schema(
        summary="Quantity, unit cost and value of every item's stock at a day, beside the inventory account",
        parameters=[StockValuationQuery],
        responses=StockValuationSerializer,
    )
    @action(detail=False, methods=["get"], url_path="stock-valuation")
    def stock_valuation(self, request):
        query = self._query(StockValuationQuery)
        as_of = query.get("as_of") or timezone.localdate()
        report = stock_valuation(as_of=as_of, category=query.get("category"))
        rows = [
            {
                "item": row.item.code,
                "name": row.item.name,
                "unit": row.item.uom.code,
                "method": row.method,
                "quantity": row.quantity,
                "unit_cost": row.unit_cost,
                "value": row.value,
                "on_hand": row.on_hand,
            }
            for row in report.rows
        ]
        data = {"as_of": as_of, "rows": rows, "total_value": report.total_value}
        # The books are finance's to see; they hold the whole stock, not one category's.
        if request.user.has_perm("erp.view_journalentry") and report.category is None:
            data.update(
                inventory_accounts=[account.code for account in report.accounts],
                account_balance=report.account_balance,
                difference=report.difference,
            )
        return ReportResponse(data)


def register(router) -> None:
    """Add this area's viewsets to the ERP router."""
    router.register("invoices", InvoiceViewSet)
    router.register("payments", PaymentViewSet)
    router.register("journal-entries", JournalEntryViewSet)
    router.register("accounts", AccountViewSet)
    router.register("budgets", BudgetViewSet)
    router.register("reports", ReportViewSet, basename="finance-report")
