"""The sourcing API: RFQs created with their lines and suppliers (items and suppliers by code) and moved on by
their commands (send, close, cancel, invite, award), the side-by-side comparison, the suppliers' quotes as
buyers type them in, and contracts with their call-offs. Under /api/v1/srm/portal/rfqs/ a supplier's own
login sees the RFQs it is invited to (never who else is, nor their quotes) and submits, withdraws or
declines its own quote; another supplier's RFQ is a 404.

Views are thin: each write is one service call, whose refusals the exception handler turns into 400s
naming field, code and reason.
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.portal import PartnerScopedMixin, request_partner
from core.api.serializers import StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Currency, Item, Partner
from srm.filtersets.sourcing import ContractFilterSet, RfqFilterSet
from srm.models import (
    CallOff,
    CallOffLine,
    Contract,
    ContractLine,
    QuoteState,
    Rfq,
    RfqInvitation,
    RfqLine,
    RfqState,
    SupplierQuote,
    SupplierQuoteLine,
)
from srm.selectors.sourcing import comparison, contracts, rfq_purchase_orders, rfqs
from srm.services import contracts as contract_services
from srm.services import sourcing as services
from wms.models import Warehouse

QUANTITY = {"max_digits": 18, "decimal_places": 6}
POSITIVE = Decimal("0.000001")
MONEY = {"max_digits": 30, "decimal_places": 2}
MANAGE_RFQS = ["srm.change_rfq"]
MANAGE_CONTRACTS = ["srm.change_contract"]
# The award and the call-off make purchase orders: a buyer's work.
MAKING_ORDERS = ["erp.add_purchaseorder"]


# --- RFQs: reading -----------------------------------------------------------------------------------------------


class RfqLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)

    class Meta:
        model = RfqLine
        fields = ("position", "item", "item_name", "unit", "quantity", "required_date")
        read_only_fields = fields


class RfqInvitationSerializer(serializers.ModelSerializer):
    supplier = shown_by_code()
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)

    class Meta:
        model = RfqInvitation
        fields = ("supplier", "supplier_name", "sent_at", "declined")
        read_only_fields = fields


class SupplierQuoteLineSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(source="rfq_line.position", read_only=True, help_text=_("The RFQ line quoted."))
    item = serializers.CharField(source="rfq_line.item.code", read_only=True)
    purchase_order_line = serializers.CharField(
        source="purchase_order_line.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The purchase order line the award made of it."),
    )

    class Meta:
        model = SupplierQuoteLine
        fields = (
            "line",
            "item",
            "unit_price",
            "lead_time_days",
            "min_order_qty",
            "quantity",
            "purchase_order_line",
        )
        read_only_fields = fields


QUOTE_FIELDS = (
    "id",
    "rfq",
    "supplier",
    "reference",
    "currency",
    "valid_until",
    "submitted_at",
    "submitted_by",
    "state",
    "notes",
    "lines",
)


class SupplierQuoteSerializer(serializers.ModelSerializer):
    rfq = serializers.SlugRelatedField(slug_field="number", read_only=True)
    supplier = shown_by_code()
    currency = shown_by_code()
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    lines = SupplierQuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierQuote
        fields = QUOTE_FIELDS
        read_only_fields = QUOTE_FIELDS


RFQ_FIELDS = (
    "id",
    "number",
    "title",
    "state",
    "issued_on",
    "respond_by",
    "currency",
    "buyer",
    "notes",
    "line_count",
    "invited_count",
    "quote_count",
    "created_at",
    "updated_at",
)


class RfqSerializer(serializers.ModelSerializer):
    currency = shown_by_code()
    buyer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    line_count = serializers.IntegerField(read_only=True)
    invited_count = serializers.IntegerField(read_only=True, help_text=_("Suppliers asked to quote."))
    quote_count = serializers.IntegerField(read_only=True, help_text=_("Quotes in (not withdrawn)."))

    class Meta:
        model = Rfq
        fields = RFQ_FIELDS
        read_only_fields = RFQ_FIELDS


class RfqDetailSerializer(RfqSerializer):
    lines = RfqLineSerializer(many=True, read_only=True)
    invitations = RfqInvitationSerializer(many=True, read_only=True)
    quotes = SupplierQuoteSerializer(many=True, read_only=True)
    purchase_orders = serializers.SerializerMethodField(help_text=_("The purchase orders the award made."))

    class Meta(RfqSerializer.Meta):
        fields = (*RFQ_FIELDS, "lines", "invitations", "quotes", "purchase_orders")
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_purchase_orders(self, rfq) -> list[str]:
        if rfq.state != RfqState.AWARDED:
            return []
        return [order.number for order in rfq_purchase_orders(rfq=rfq)]


def _quote_lines():
    return SupplierQuoteLine.objects.select_related("rfq_line__item", "purchase_order_line__order").order_by(
        "rfq_line__position"
    )


def _quotes():
    return SupplierQuote.objects.select_related("rfq", "supplier", "currency", "submitted_by").prefetch_related(
        Prefetch("lines", queryset=_quote_lines())
    )


def rfq_details():
    return rfqs().prefetch_related(
        Prefetch("lines", queryset=RfqLine.objects.select_related("item__uom").order_by("position")),
        Prefetch("invitations", queryset=RfqInvitation.objects.select_related("supplier").order_by("supplier__code")),
        Prefetch("quotes", queryset=_quotes().order_by("supplier__code")),
    )


class ComparisonCellSerializer(serializers.Serializer):
    supplier = serializers.CharField(source="quote.supplier.code")
    quote_currency = serializers.CharField(source="quote.currency.code")
    unit_price = serializers.DecimalField(source="quote_line.unit_price", **QUANTITY)
    unit_price_company = serializers.DecimalField(
        **QUANTITY, allow_null=True, help_text=_("In the company currency; null without an exchange rate.")
    )
    order_qty = serializers.DecimalField(**QUANTITY, help_text=_("What an award would order."))
    total = serializers.DecimalField(**MONEY, help_text=_("In the quote currency."))
    total_company = serializers.DecimalField(**MONEY, allow_null=True)
    lead_time_days = serializers.IntegerField(source="quote_line.lead_time_days")
    delivery_date = serializers.DateField()
    meets_required_date = serializers.BooleanField(allow_null=True)
    moq_ok = serializers.BooleanField()
    covers_quantity = serializers.BooleanField()
    supplier_score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    overall = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    problems = serializers.ListField(child=serializers.CharField(), help_text=_("Why the cell is not ranked."))
    cheapest = serializers.BooleanField()
    fastest = serializers.BooleanField()
    best = serializers.BooleanField()


class ComparisonLineSerializer(serializers.Serializer):
    line = RfqLineSerializer()
    cells = serializers.SerializerMethodField(
        help_text=_("One per supplier (in the order of `suppliers`); null where the supplier did not quote the line.")
    )

    @extend_schema_field(serializers.ListField(child=ComparisonCellSerializer(allow_null=True)))
    def get_cells(self, row) -> list[dict | None]:
        return [ComparisonCellSerializer(cell).data if cell is not None else None for cell in row.cells]


class ComparisonSupplierSerializer(serializers.Serializer):
    supplier = serializers.CharField(source="supplier.code")
    supplier_name = serializers.CharField(source="supplier.name")
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    total_company = serializers.DecimalField(**MONEY, allow_null=True)
    lines_quoted = serializers.IntegerField()


class ComparisonSerializer(serializers.Serializer):
    on = serializers.DateField(help_text=_("Rates and deliveries of this day."))
    company_currency = serializers.CharField(source="company_currency.code")
    weights = serializers.DictField(child=serializers.DecimalField(max_digits=3, decimal_places=2))
    suppliers = ComparisonSupplierSerializer(many=True)
    lines = ComparisonLineSerializer(many=True)


# --- RFQs: writing ------------------------------------------------------------------------------------------------


class RfqLineInputSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    required_date = serializers.DateField(required=False, allow_null=True)


def suppliers_by_code(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=Partner.objects.all(), many=True, **kwargs)


class RfqCreateSerializer(StrictInputMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    respond_by = serializers.DateField(help_text=_("The last day suppliers may quote."))
    currency = by_code(Currency, required=False, allow_null=True, help_text=_("Default: the company's."))
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = RfqLineInputSerializer(many=True)
    suppliers = suppliers_by_code(required=False, default=list, help_text=_("The suppliers to ask, by code."))


class InviteSerializer(StrictInputMixin, serializers.Serializer):
    suppliers = suppliers_by_code()


class AwardChoiceSerializer(StrictInputMixin, serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text=_("The RFQ line's position."))
    supplier = serializers.CharField(help_text=_("The supplier whose quote line is bought, by code."))


class AwardSerializer(StrictInputMixin, serializers.Serializer):
    warehouse = by_code(Warehouse, help_text=_("Where the purchase orders are received."))
    choices = AwardChoiceSerializer(many=True, help_text=_("Per RFQ line bought, the supplier it is bought from."))
    register_prices = serializers.BooleanField(
        required=False, default=False, help_text=_("Keep the prices bought as the suppliers' prices.")
    )

    def validate_choices(self, choices):
        rfq = self.context["rfq"]
        quote_lines = {
            (quote_line.rfq_line.position, quote_line.quote.supplier.code): quote_line
            for quote_line in SupplierQuoteLine.objects.filter(quote__rfq=rfq).select_related(
                "rfq_line", "quote__supplier"
            )
        }
        problems, found = [], []
        for choice in choices:
            quote_line = quote_lines.get((choice["line"], choice["supplier"]))
            if quote_line is None:
                message = _("%(supplier)s did not quote line %(line)s of %(rfq)s.") % {**choice, "rfq": rfq.number}
                problems.append({"supplier": [serializers.ErrorDetail(message, code="does_not_exist")]})
            else:
                problems.append({})
                found.append(quote_line)
        if any(problems):
            raise serializers.ValidationError(problems)
        return found


def _positioned_lines(rfq: Rfq, lines: list[dict]) -> list[dict]:
    """Quote lines given by the RFQ line's position, as the service takes them (by the RFQ line)."""
    by_position = {line.position: line for line in rfq.lines.all()}
    problems, found = [], []
    for line in lines:
        rfq_line = by_position.get(line["line"])
        if rfq_line is None:
            message = _("%(rfq)s has no line %(line)s.") % {"rfq": rfq.number, "line": line["line"]}
            problems.append({"line": [serializers.ErrorDetail(message, code="does_not_exist")]})
        else:
            problems.append({})
            found.append({**{name: value for name, value in line.items() if name != "line"}, "rfq_line": rfq_line})
    if any(problems):
        raise serializers.ValidationError({"lines": problems})
    return found


class SupplierQuoteLineInputSerializer(StrictInputMixin, serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text=_("The RFQ line's position."))
    unit_price = serializers.DecimalField(**QUANTITY, help_text=_("In the quote's currency; positive."))
    lead_time_days = serializers.IntegerField(help_text=_("Days from the order to the delivery."))
    min_order_qty = serializers.DecimalField(**QUANTITY, required=False, default=Decimal(0))
    quantity = serializers.DecimalField(
        **QUANTITY, required=False, allow_null=True, default=None, help_text=_("Offered; default: the quantity asked.")
    )


class SupplierQuoteInputSerializer(StrictInputMixin, serializers.Serializer):
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    currency = by_code(Currency, required=False, allow_null=True, default=None, help_text=_("Default: the RFQ's."))
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = SupplierQuoteLineInputSerializer(
        many=True, help_text=_("The lines quoted; a line left out is not offered.")
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        rfq = attrs.get("rfq") or self.context["rfq"]
        return {**attrs, "lines": _positioned_lines(rfq, attrs["lines"])}


class BuyerQuoteInputSerializer(SupplierQuoteInputSerializer):
    rfq = serializers.SlugRelatedField(slug_field="number", queryset=Rfq.objects.all())
    supplier = by_code(Partner)


RFQ_COMMAND = command_actions(record="rfq", responses=RfqDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary="RFQs, newest first; filters state, supplier (invited), item, respond_by"),
    retrieve=extend_schema(summary="An RFQ with its lines, the suppliers asked, their quotes and the orders made"),
    create=extend_schema(
        summary="A draft RFQ with its lines and the suppliers to ask; items and suppliers by code",
        request=RfqCreateSerializer,
        responses={201: RfqDetailSerializer},
    ),
)
class RfqViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """RFQs are created here as drafts and moved on by their commands; they are cancelled, never deleted."""

    queryset = rfqs().order_by("-number")
    serializer_class = RfqSerializer
    detail_serializer_class = RfqDetailSerializer
    filterset_class = RfqFilterSet
    ordering_fields = ["number", "title", "state", "issued_on", "respond_by", "created_at"]
    action_permissions = {
        "send": MANAGE_RFQS,
        "close": MANAGE_RFQS,
        "cancel": MANAGE_RFQS,
        "invite": MANAGE_RFQS,
        "award": MANAGE_RFQS + MAKING_ORDERS,
        "comparison": ["srm.view_rfq", "srm.view_supplierquote"],
    }

    def get_queryset(self):
        return rfq_details() if self.action != "list" else super().get_queryset()

    def get_serializer_class(self):
        return {"retrieve": RfqDetailSerializer, "create": RfqCreateSerializer}.get(self.action, self.serializer_class)

    def detail_queryset(self):
        return rfq_details()

    def create(self, request, *args, **kwargs):
        data = self.validated(RfqCreateSerializer)
        suppliers = data.pop("suppliers")
        lines = [dict(line) for line in data.pop("lines")]
        rfq = services.rfq_create(**data, lines=lines, buyer=request.user)
        if suppliers:
            services.rfq_invite(rfq=rfq, suppliers=suppliers, user=request.user)
        return self.answer(rfq, status.HTTP_201_CREATED)

    send = RFQ_COMMAND("send", services.rfq_send, "Send the draft to its suppliers: they may quote until respond_by")
    close = RFQ_COMMAND("close", services.rfq_close, "Stop taking quotes: what is in is what is compared")
    cancel = RFQ_COMMAND("cancel", services.rfq_cancel, "Cancel an RFQ that is not awarded; its quotes are lost")

    @extend_schema(
        summary="Ask more suppliers (active, not blocked); on a sent RFQ the invitation goes out at once",
        request=InviteSerializer,
        responses=RfqDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        rfq = self.get_object()
        services.rfq_invite(rfq=rfq, suppliers=self.validated(InviteSerializer)["suppliers"], user=request.user)
        return self.answer(rfq)

    @extend_schema(
        summary="The quotes side by side: per line and supplier the price in the company currency, lead time, "
        "minimum order and score, ranked cheapest, fastest and best",
        responses=ComparisonSerializer,
    )
    @action(detail=True, methods=["get"])
    def comparison(self, request, pk=None):
        return Response(ComparisonSerializer(comparison(rfq=self.get_object())).data)

    @extend_schema(
        summary="Award: per RFQ line the supplier bought from; one draft purchase order per supplier at the "
        "quoted prices. All or nothing: an order ERP refuses (a blocked supplier) leaves everything as it was",
        request=AwardSerializer,
        responses=RfqDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        rfq = self.get_object()
        data = self.validated(AwardSerializer, rfq=rfq)
        services.rfq_award(
            rfq=rfq,
            choices=data["choices"],
            warehouse=data["warehouse"],
            user=request.user,
            register_prices=data["register_prices"],
        )
        return self.answer(rfq)


@extend_schema_view(
    list=extend_schema(summary="Suppliers' quotes; filters rfq (number), supplier (code), state"),
    retrieve=extend_schema(summary="A supplier's quote with its lines"),
    create=extend_schema(
        summary="Enter a supplier's quote (a buyer typing it in); submitting again replaces the supplier's quote",
        request=BuyerQuoteInputSerializer,
        responses={201: SupplierQuoteSerializer},
    ),
)
class SupplierQuoteViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = _quotes().order_by("-rfq__number", "supplier__code")
    serializer_class = SupplierQuoteSerializer
    detail_serializer_class = SupplierQuoteSerializer
    filterset_fields = {"rfq__number": ["exact"], "supplier__code": ["exact"], "state": ["exact"]}
    ordering_fields = ["submitted_at", "valid_until", "state"]
    action_permissions = {"withdraw": ["srm.change_supplierquote"]}

    def get_serializer_class(self):
        return BuyerQuoteInputSerializer if self.action == "create" else SupplierQuoteSerializer

    def create(self, request, *args, **kwargs):
        data = self.validated(BuyerQuoteInputSerializer)
        quote = services.supplier_quote_submit(**data, user=request.user)
        return self.answer(quote, status.HTTP_201_CREATED)

    withdraw = command_actions(record="quote", responses=SupplierQuoteSerializer)(
        "withdraw", services.supplier_quote_withdraw, "Withdraw the quote for the supplier while the RFQ is out"
    )


# --- Contracts -------------------------------------------------------------------------------------------------------


class ContractLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    remaining_qty = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("Still to be called off."))

    class Meta:
        model = ContractLine
        fields = ("item", "item_name", "unit", "quantity", "unit_price", "called_off_qty", "remaining_qty")
        read_only_fields = fields


class CallOffLineSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="contract_line.item.code", read_only=True)
    po_line = serializers.CharField(
        source="po_line.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The purchase order line; null once taken off the draft order."),
    )

    class Meta:
        model = CallOffLine
        fields = ("item", "quantity", "po_line")
        read_only_fields = fields


class CallOffSerializer(serializers.ModelSerializer):
    contract = serializers.SlugRelatedField(slug_field="number", read_only=True)
    purchase_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    purchase_order_state = serializers.CharField(source="purchase_order.state", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    lines = CallOffLineSerializer(many=True, read_only=True)

    class Meta:
        model = CallOff
        fields = (
            "id",
            "contract",
            "purchase_order",
            "purchase_order_state",
            "created_at",
            "created_by",
            "cancelled_at",
            "lines",
        )
        read_only_fields = fields


CONTRACT_FIELDS = (
    "id",
    "number",
    "supplier",
    "currency",
    "valid_from",
    "valid_to",
    "state",
    "buyer",
    "terms",
    "agreed_value",
    "called_off_value",
    "created_at",
    "updated_at",
)


class SupplyContractSerializer(serializers.ModelSerializer):
    supplier = shown_by_code()
    currency = shown_by_code()
    buyer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    agreed_value = serializers.DecimalField(**MONEY, read_only=True, help_text=_("In the contract currency."))
    called_off_value = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Contract
        fields = CONTRACT_FIELDS
        read_only_fields = CONTRACT_FIELDS


class SupplyContractDetailSerializer(SupplyContractSerializer):
    lines = ContractLineSerializer(many=True, read_only=True)
    call_offs = CallOffSerializer(many=True, read_only=True)

    class Meta(SupplyContractSerializer.Meta):
        fields = (*CONTRACT_FIELDS, "lines", "call_offs")
        read_only_fields = fields


class ContractLineInputSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE, help_text=_("The total agreed."))
    unit_price = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), help_text=_("In the contract currency."))


class ContractCreateSerializer(StrictInputMixin, serializers.Serializer):
    supplier = by_code(Partner)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    currency = by_code(
        Currency, required=False, allow_null=True, help_text=_("Default: the supplier's, else the company's.")
    )
    terms = serializers.CharField(required=False, allow_blank=True, default="")
    lines = ContractLineInputSerializer(many=True)


class CallOffLineInputSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY)
    expected_date = serializers.DateField(
        required=False, allow_null=True, help_text=_("Default: the supplier's lead time from today.")
    )


class CallOffInputSerializer(StrictInputMixin, serializers.Serializer):
    warehouse = by_code(Warehouse, help_text=_("Where the purchase order is received."))
    lines = CallOffLineInputSerializer(many=True)


def contract_details():
    call_offs = CallOff.objects.select_related("contract", "purchase_order", "created_by").prefetch_related(
        Prefetch("lines", queryset=CallOffLine.objects.select_related("contract_line__item", "po_line__order"))
    )
    return contracts().prefetch_related(
        Prefetch("lines", queryset=ContractLine.objects.select_related("item__uom").order_by("item__code")),
        Prefetch("call_offs", queryset=call_offs.order_by("-created_at", "-pk")),
    )


CONTRACT_COMMAND = command_actions(record="contract", responses=SupplyContractDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary="Contracts (blanket orders), newest first; filters state, supplier, item, valid_to"),
    retrieve=extend_schema(summary="A contract with what remains of each line and its call-offs"),
    create=extend_schema(
        summary="A draft contract with its lines; supplier and items by code",
        request=ContractCreateSerializer,
        responses={201: SupplyContractDetailSerializer},
    ),
)
class ContractViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = contracts().order_by("-number")
    serializer_class = SupplyContractSerializer
    detail_serializer_class = SupplyContractDetailSerializer
    filterset_class = ContractFilterSet
    ordering_fields = ["number", "valid_from", "valid_to", "state", "supplier__code"]
    action_permissions = {
        "activate": MANAGE_CONTRACTS,
        "close": MANAGE_CONTRACTS,
        "call_off": MANAGE_CONTRACTS + MAKING_ORDERS,
    }

    def get_queryset(self):
        return contract_details() if self.action != "list" else super().get_queryset()

    def get_serializer_class(self):
        return {"retrieve": SupplyContractDetailSerializer, "create": ContractCreateSerializer}.get(
            self.action, self.serializer_class
        )

    def detail_queryset(self):
        return contract_details()

    def create(self, request, *args, **kwargs):
        data = self.validated(ContractCreateSerializer)
        lines = [dict(line) for line in data.pop("lines")]
        contract = contract_services.contract_create(**data, lines=lines, buyer=request.user)
        return self.answer(contract, status.HTTP_201_CREATED)

    activate = CONTRACT_COMMAND("activate", contract_services.contract_activate, "Put the draft in force")
    close = CONTRACT_COMMAND("close", contract_services.contract_close, "End the contract: no more call-offs")

    @extend_schema(
        summary="Call off part of what remains: a draft purchase order at the contract prices; refused beyond "
        "the remaining quantity or outside the contract's validity",
        request=CallOffInputSerializer,
        responses={201: CallOffSerializer},
    )
    @action(detail=True, methods=["post"], url_path="call-off")
    def call_off(self, request, pk=None):
        contract = self.get_object()
        data = self.validated(CallOffInputSerializer)
        call_off = contract_services.contract_call_off(
            contract=contract,
            lines=[dict(line) for line in data["lines"]],
            warehouse=data["warehouse"],
            user=request.user,
        )
        call_off = (
            CallOff.objects.select_related("contract", "purchase_order", "created_by")
            .prefetch_related("lines__contract_line__item", "lines__po_line__order")
            .get(pk=call_off.pk)
        )
        return Response(CallOffSerializer(call_off).data, status=status.HTTP_201_CREATED)


# --- The supplier portal's RFQs ------------------------------------------------------------------------------------


class PortalSupplierQuoteSerializer(serializers.ModelSerializer):
    currency = shown_by_code()
    lines = SupplierQuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierQuote
        fields = ("reference", "currency", "valid_until", "submitted_at", "state", "notes", "lines")
        read_only_fields = fields


PORTAL_RFQ_FIELDS = (
    "id",
    "number",
    "title",
    "state",
    "issued_on",
    "respond_by",
    "currency",
    "notes",
    "declined",
    "quote_state",
)


class PortalRfqSerializer(serializers.ModelSerializer):
    # Only what the caller's own invitation and quote say: never the other suppliers asked, nor their quotes.
    currency = shown_by_code()
    declined = serializers.SerializerMethodField(help_text=_("You said you will not quote."))
    quote_state = serializers.SerializerMethodField(help_text=_("The state of your quote; null: none given."))

    class Meta:
        model = Rfq
        fields = PORTAL_RFQ_FIELDS
        read_only_fields = PORTAL_RFQ_FIELDS

    @staticmethod
    def own_quote(rfq) -> SupplierQuote | None:
        return rfq.own_quotes[0] if rfq.own_quotes else None

    @extend_schema_field(serializers.BooleanField())
    def get_declined(self, rfq) -> bool:
        return bool(rfq.own_invitations and rfq.own_invitations[0].declined)

    @extend_schema_field(serializers.ChoiceField(choices=QuoteState.choices, allow_null=True))
    def get_quote_state(self, rfq) -> str | None:
        quote = self.own_quote(rfq)
        return quote.state if quote else None


class PortalRfqDetailSerializer(PortalRfqSerializer):
    lines = RfqLineSerializer(many=True, read_only=True)
    quote = serializers.SerializerMethodField(help_text=_("Your quote; null: none given."))

    class Meta(PortalRfqSerializer.Meta):
        fields = (*PORTAL_RFQ_FIELDS, "lines", "quote")
        read_only_fields = fields

    @extend_schema_field(PortalSupplierQuoteSerializer(allow_null=True))
    def get_quote(self, rfq) -> dict | None:
        quote = self.own_quote(rfq)
        return PortalSupplierQuoteSerializer(quote).data if quote else None


@extend_schema_view(
    list=extend_schema(summary="The RFQs you are invited to, newest first (filter: state)"),
    retrieve=extend_schema(summary="One of your RFQs with its lines and your quote"),
)
class PortalRfqViewSet(PartnerScopedMixin, ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    portal_kind = "supplier"
    partner_field = "invitations__supplier"
    queryset = Rfq.objects.exclude(state=RfqState.DRAFT).select_related("currency").order_by("-number")
    serializer_class = PortalRfqSerializer
    detail_serializer_class = PortalRfqDetailSerializer
    filterset_fields = ["state"]
    ordering_fields = ["number", "respond_by", "issued_on"]

    def get_queryset(self):
        # The scoping (PartnerScopedMixin) keeps the caller's RFQs; these prefetches keep its own invitation and
        # quote of each, nobody else's.
        partner = request_partner(self.request)
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("lines", queryset=RfqLine.objects.select_related("item__uom").order_by("position")),
                Prefetch(
                    "invitations", queryset=RfqInvitation.objects.filter(supplier=partner), to_attr="own_invitations"
                ),
                Prefetch("quotes", queryset=_quotes().filter(supplier=partner), to_attr="own_quotes"),
            )
        )

    def get_serializer_class(self):
        return PortalRfqDetailSerializer if self.action != "list" else PortalRfqSerializer

    @extend_schema(
        summary="Submit your quote (until respond_by); submitting again replaces it",
        request=SupplierQuoteInputSerializer,
        responses=PortalRfqDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def quote(self, request, pk=None):
        rfq = self.get_object()
        data = self.validated(SupplierQuoteInputSerializer, rfq=rfq)
        services.supplier_quote_submit(rfq=rfq, supplier=self.partner, **data, user=request.user)
        return self.answer(rfq)

    @extend_schema(
        summary="Withdraw your quote while the RFQ is out", request=None, responses=PortalRfqDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        rfq = self.get_object()
        quote = self.own_quote_of(rfq)
        services.supplier_quote_withdraw(quote=quote, user=request.user)
        return self.answer(rfq)

    @extend_schema(
        summary="Say you will not quote (your quote, if any, is withdrawn)",
        request=None,
        responses=PortalRfqDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        rfq = self.get_object()
        services.rfq_decline(rfq=rfq, supplier=self.partner, user=request.user)
        return self.answer(rfq)

    def own_quote_of(self, rfq: Rfq) -> SupplierQuote:
        quote = rfq.own_quotes[0] if rfq.own_quotes else None
        if quote is None:
            raise serializers.ValidationError(
                serializers.ErrorDetail(_("You have not quoted %(rfq)s.") % {"rfq": rfq.number}, code="no_quote")
            )
        return quote


def register(router) -> None:
    """Add this area's viewsets to the SRM router."""
    router.register("rfqs", RfqViewSet)
    router.register("quotes", SupplierQuoteViewSet)
    router.register("contracts", ContractViewSet)
    router.register("portal/rfqs", PortalRfqViewSet, basename="portal-rfq")
