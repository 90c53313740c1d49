"""The after-sales service API: SLA policies (configuration), service cases opened on a customer's unit and
moved on by their commands (respond, wait-customer, resume, resolve, close, reopen; PATCH changes a case or
adds a note), a case's traceability from MES, and returns (RMAs) authorized on a case and received into
quality hold.

Customers, items and SLA policies are named by code, sales orders and cases by number, owners by user name,
lots and serial numbers by their code (of the item when given). Views are thin: each write is one call of
crm.services.cases, whose refusals the exception handler turns into 400s naming field, code and reason.
"""

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.choices import PartnerKind
from core.models import Contact, Item, Partner, WorkCalendar
from crm.filtersets.cases import RmaFilterSet, ServiceCaseFilterSet
from crm.models import CasePriority, CaseUpdate, Rma, RmaLine, ServiceCase, SlaPolicy
from crm.selectors.cases import CaseTraceability, TimerState, case_timers, case_traceability, cases_with_sla
from crm.services import cases as services
from erp.models import SalesOrder
from mes.api.common import QUANTITY, lot_by_code, refusal
from wms.models import Lot, Warehouse

WORK = ["crm.view_servicecase", "crm.change_servicecase"]
RECEIVE = ["crm.view_rma", "crm.receive_rma"]
CUSTOMERS = Partner.objects.filter(kind__in=[PartnerKind.CUSTOMER, PartnerKind.BOTH])


def _user_by_name(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), **kwargs
    )


# --- SLA policies -------------------------------------------------------------------------------------------


class SlaPolicySerializer(StrictInputMixin, FullCleanSerializer):
    customer = by_code(Partner, required=False, allow_null=True)
    calendar = by_code(WorkCalendar, required=False, allow_null=True)

    class Meta:
        model = SlaPolicy
        fields = (
            "id",
            "code",
            "name",
            "customer",
            "priority",
            "first_response_hours",
            "resolution_hours",
            "clock",
            "calendar",
            "active",
        )
        # The one-active-policy-per-scope constraint is checked by full_clean(); DRF's own validator for it
        # would make `customer` and `priority` required.
        validators = []


@extend_schema_view(
    list=extend_schema(summary="SLA policies: response and resolution targets per priority and customer")
)
class SlaPolicyViewSet(viewsets.ModelViewSet):
    queryset = SlaPolicy.objects.select_related("customer", "calendar").order_by("code")
    serializer_class = SlaPolicySerializer
    filterset_fields = ("priority", "clock", "active")
    ordering_fields = ("code", "name")


# --- Cases: reading -----------------------------------------------------------------------------------------


class CaseUpdateSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseUpdate
        fields = ("at", "kind", "text", "author")
        read_only_fields = fields


class TimerSerializer(serializers.Serializer):
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=TimerState.choices)
    due = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    seconds_left = serializers.SerializerMethodField(
        help_text=gettext_lazy("To the due time while running (negative once overdue), or how early it was met.")
    )
    text = serializers.CharField()

    def get_seconds_left(self, timer) -> int | None:
        return int(timer.left.total_seconds()) if timer.left is not None else None


class ServiceCaseSerializer(serializers.ModelSerializer):
    account = shown_by_code()
    item = shown_by_code()
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    sales_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    sla_policy = shown_by_code()
    response_overdue = serializers.BooleanField(read_only=True)
    resolution_overdue = serializers.BooleanField(read_only=True)
    breached = serializers.BooleanField(read_only=True, help_text=gettext_lazy("A target met late, or not met."))

    class Meta:
        model = ServiceCase
        fields = (
            "id",
            "number",
            "account",
            "contact",
            "item",
            "lot",
            "serial",
            "sales_order",
            "subject",
            "priority",
            "state",
            "owner",
            "sla_policy",
            "opened_at",
            "first_response_due",
            "first_responded_at",
            "resolution_due",
            "waiting_since",
            "resolved_at",
            "closed_at",
            "response_overdue",
            "resolution_overdue",
            "breached",
        )
        read_only_fields = fields


class ServiceCaseDetailSerializer(ServiceCaseSerializer):
    paused_seconds = serializers.SerializerMethodField(
        help_text=gettext_lazy("SLA-clock time waited for the customer, added to the resolution target.")
    )
    timers = serializers.SerializerMethodField()
    updates = CaseUpdateSerializer(many=True, read_only=True)
    rmas = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta(ServiceCaseSerializer.Meta):
        fields = (
            *ServiceCaseSerializer.Meta.fields,
            "description",
            "resolution",
            "paused_seconds",
            "response_breached_at",
            "resolution_breached_at",
            "timers",
            "updates",
            "rmas",
        )
        read_only_fields = fields

    def get_paused_seconds(self, case) -> int:
        return int(case.paused.total_seconds())

    @extend_schema_field(TimerSerializer(many=True))
    def get_timers(self, case) -> list[dict[str, Any]]:
        return TimerSerializer(case_timers(case), many=True).data


# --- Cases: writing -----------------------------------------------------------------------------------------


class CaseFieldsMixin(serializers.Serializer):
    # What a case is about, as opened or changed. (A comment, not a docstring: the schema would show it.)

    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=CasePriority.choices, default=CasePriority.NORMAL)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.select_related("partner"), required=False, allow_null=True
    )
    item = by_code(Item, required=False, allow_null=True)
    serial = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The serial or lot number as the customer reported it: the unit is found by it."),
    )
    lot = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("The unit's lot or serial number as in the stock records (of `item` when given)."),
    )
    sales_order = serializers.SlugRelatedField(
        slug_field="number", queryset=SalesOrder.objects.all(), required=False, allow_null=True
    )
    owner = _user_by_name(required=False, allow_null=True)


class CaseOpenSerializer(StrictInputMixin, CaseFieldsMixin):
    account = serializers.SlugRelatedField(slug_field="code", queryset=CUSTOMERS)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["lot"] = lot_by_code(attrs.get("lot", ""), attrs.get("item"))
        return attrs


class CaseChangeSerializer(StrictInputMixin, CaseFieldsMixin):
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # a change names only what changes
            field.required = False
            if field.default is not serializers.empty and field.field_name != "note":
                field.default = serializers.empty

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "lot" in attrs:
            case: ServiceCase = self.context["case"]
            attrs["lot"] = lot_by_code(attrs["lot"], attrs.get("item", case.item))
        return attrs


def _text(class_name: str, name: str, help_text, required: bool = True) -> type[serializers.Serializer]:
    """An input of one text: required (and not blank), or optional (empty by default)."""
    options = {} if required else {"required": False, "allow_blank": True, "default": ""}
    field = serializers.CharField(help_text=help_text, **options)
    return type(class_name, (StrictInputMixin, serializers.Serializer), {name: field})


RespondSerializer = _text("CaseRespondSerializer", "text", gettext_lazy("The answer given to the customer."))
WaitSerializer = _text("CaseWaitSerializer", "text", gettext_lazy("What the customer is asked for."))
ResumeSerializer = _text("CaseResumeSerializer", "text", gettext_lazy("What the customer answered."), required=False)
ResolveSerializer = _text("CaseResolveSerializer", "resolution", gettext_lazy("How the case was resolved."))
ReopenSerializer = _text("CaseReopenSerializer", "reason", gettext_lazy("Why the case is reopened."))


# --- Traceability -------------------------------------------------------------------------------------------


class CasePartnerRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseLotRefSerializer(serializers.Serializer):
    lot = serializers.CharField(source="code")
    item = serializers.CharField(source="item.code")
    on_hold = serializers.BooleanField()


class CaseComponentSerializer(serializers.Serializer):
    lot = serializers.CharField(source="lot.code")
    item = serializers.CharField(source="lot.item.code")
    on_hold = serializers.BooleanField(source="lot.on_hold")
    depth = serializers.SerializerMethodField(help_text=gettext_lazy("Links from the unit."))
    made_on = serializers.SerializerMethodField(help_text=gettext_lazy("The production orders that made it."))
    suppliers = serializers.SerializerMethodField()

    def get_depth(self, record) -> int:
        return self.context["traceability"].depth_of(record.lot)

    def get_made_on(self, record) -> list[str]:
        return [order.number for order in record.orders]

    def get_suppliers(self, record) -> list[str]:
        return [receipt.supplier.code for receipt in record.receipts if receipt.supplier is not None]


class CaseTraceInspectionSerializer(serializers.Serializer):
    number = serializers.CharField()
    plan = serializers.CharField(source="plan.code")
    lot = serializers.CharField(source="lot.code", allow_null=True)
    order = serializers.CharField(source="operation.order.number", allow_null=True)
    result = serializers.CharField()
    inspected_at = serializers.DateTimeField()


class CaseTraceNonconformanceSerializer(serializers.Serializer):
    number = serializers.CharField()
    item = serializers.CharField(source="item.code")
    lot = serializers.CharField(source="lot.code", allow_null=True)
    state = serializers.CharField()


class CaseQuantRefSerializer(serializers.Serializer):
    location = serializers.CharField(source="location.code")
    quantity = serializers.DecimalField(**QUANTITY)


class CaseShipmentRefSerializer(serializers.Serializer):
    customer = CasePartnerRefSerializer(allow_null=True)
    reference = serializers.CharField(help_text=gettext_lazy("The sales order."))
    delivery_note = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY)
    shipped_at = serializers.DateTimeField()


class CaseSuspectUnitSerializer(serializers.Serializer):
    lot = serializers.CharField(source="lot.code")
    item = serializers.CharField(source="lot.item.code")
    on_hold = serializers.BooleanField(source="lot.on_hold")
    on_hand = CaseQuantRefSerializer(many=True, source="line.on_hand")
    shipments = CaseShipmentRefSerializer(many=True, source="line.shipments")
    cases = serializers.SerializerMethodField(help_text=gettext_lazy("The service cases on the unit."))

    def get_cases(self, unit) -> list[str]:
        return [case.number for case in unit.cases]


class CaseMachineRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseOperatorRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField(source="full_name")


class CaseTraceabilitySerializer(serializers.Serializer):
    unit = CaseLotRefSerializer(source="lot", allow_null=True)
    components = CaseComponentSerializer(many=True, help_text=gettext_lazy("Every lot the unit was made from."))
    machines = CaseMachineRefSerializer(many=True)
    operators = CaseOperatorRefSerializer(many=True)
    suppliers = CasePartnerRefSerializer(many=True)
    inspections = CaseTraceInspectionSerializer(many=True)
    nonconformances = CaseTraceNonconformanceSerializer(many=True)
    suspect = CaseLotRefSerializer(allow_null=True, help_text=gettext_lazy("The component lot traced forward."))
    suspect_units = CaseSuspectUnitSerializer(
        many=True, help_text=gettext_lazy("The other finished units made from the suspect lot.")
    )
    customers = CasePartnerRefSerializer(many=True, help_text=gettext_lazy("Those the suspect units were shipped to."))
    suggestions = CaseLotRefSerializer(
        many=True, help_text=gettext_lazy("Without a unit: lots whose code resembles the serial reported.")
    )


class TraceabilityQuerySerializer(serializers.Serializer):
    suspect = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("A component lot of the unit to trace forward, by code."),
    )
    suspect_item = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("Its item's code, when items share the lot code.")
    )


def _suspect(traced: CaseTraceability, code: str, item_code: str) -> Lot | None:
    """A component lot of the unit by its code (and item); refused when the unit has none of that code."""
    code, item_code = code.strip(), item_code.strip()
    if not code:
        return None
    found = [
        record.lot
        for record in traced.components
        if record.lot.code == code and (not item_code or record.lot.item.code == item_code)
    ]
    if len(found) > 1:
        raise refusal(
            "suspect", _("Several components have the lot %(code)s: name the item.") % {"code": code}, "ambiguous"
        )
    if not found:
        unit = traced.lot.code if traced.lot else "—"
        message = _("Lot %(lot)s is not a component of %(unit)s.") % {"lot": code, "unit": unit}
        raise refusal("suspect", message, "not_a_component")
    return found[0]


# --- The cases viewset ----------------------------------------------------------------------------------------

CASE_COMMAND = command_actions(record="case", responses=ServiceCaseDetailSerializer)


def _text_command(name: str, service, serializer_class, summary: str, url_path: str | None = None):
    """A command that takes a text (an answer, a resolution...) and calls one service with the case and it."""

    def run(self, request, pk=None):
        case = self.get_object()
        return self.answer(service(case=case, user=request.user, **self.validated(serializer_class)))

    run.__name__ = run.__qualname__ = name
    routed = action(detail=True, methods=["post"], url_path=url_path)(run)
    return extend_schema(summary=summary, request=serializer_class, responses=ServiceCaseDetailSerializer)(routed)


@extend_schema_view(
    list=extend_schema(
        summary="Service cases, newest first; filters state, priority, owner, account, item, breached, opened_at, q"
    ),
    retrieve=extend_schema(summary="One case with its SLA timers, updates and returns"),
    create=extend_schema(
        summary="Open a case on a customer's unit: the unit is found by the serial or lot reported; the SLA "
        "policy sets its dues",
        request=CaseOpenSerializer,
        responses={201: ServiceCaseDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change what the case is about, or add a note; a new priority sets the dues again",
        request=CaseChangeSerializer,
        responses=ServiceCaseDetailSerializer,
    ),
)
class ServiceCaseViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Cases are opened here and moved on by their commands; they are closed, never deleted."""

    serializer_class = ServiceCaseSerializer
    detail_serializer_class = ServiceCaseDetailSerializer
    filterset_class = ServiceCaseFilterSet
    ordering_fields = ("number", "opened_at", "priority", "state", "first_response_due", "resolution_due")
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "respond": WORK,
        "wait_customer": WORK,
        "resume": WORK,
        "resolve": WORK,
        "close": WORK,
        "reopen": WORK,
        "traceability": ["crm.view_servicecase"],
    }

    def get_queryset(self):
        queryset = cases_with_sla().order_by("-number")
        if self.action != "list":
            queryset = queryset.select_related("sales_order", "contact").prefetch_related("updates__author", "rmas")
        return queryset

    def get_serializer_class(self):
        return ServiceCaseDetailSerializer if self.action == "retrieve" else self.serializer_class

    def create(self, request, *args, **kwargs):
        case = services.case_open(**self.validated(CaseOpenSerializer), user=request.user)
        return self.answer(case, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        data = self.validated(CaseChangeSerializer, case=case)
        return self.answer(services.case_update(case=case, user=request.user, **data))

    respond = _text_command(
        "respond", services.case_respond, RespondSerializer, "Answer the customer (the first answer stops its clock)"
    )
    wait_customer = _text_command(
        "wait_customer",
        services.case_wait_customer,
        WaitSerializer,
        "Ask the customer for something: the resolution clock stands until the case resumes",
        url_path="wait-customer",
    )
    resume = _text_command(
        "resume", services.case_resume, ResumeSerializer, "The customer answered: the resolution clock runs again"
    )
    resolve = _text_command("resolve", services.case_resolve, ResolveSerializer, "Resolve the case")
    close = CASE_COMMAND("close", services.case_close, "Close a resolved case")
    reopen = _text_command("reopen", services.case_reopen, ReopenSerializer, "Reopen a resolved or closed case")

    @extend_schema(
        summary="The unit's traceability: what it was made from (lots, machines, operators, suppliers, "
        "inspections) and the other units of a suspect component lot with their customers",
        parameters=[
            OpenApiParameter("suspect", OpenApiTypes.STR, description="A component lot of the unit, by code."),
            OpenApiParameter("suspect_item", OpenApiTypes.STR, description="Its item, when items share the code."),
        ],
        responses=CaseTraceabilitySerializer,
    )
    @action(detail=True, methods=["get"])
    def traceability(self, request, pk=None):
        case = self.get_object()
        query = TraceabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        traced = case_traceability(case=case)
        suspect = _suspect(
            traced, query.validated_data.get("suspect", ""), query.validated_data.get("suspect_item", "")
        )
        if suspect is not None:
            traced = case_traceability(case=case, suspect=suspect)
        return Response(CaseTraceabilitySerializer(traced, context={"traceability": traced}).data)


# --- Returns ----------------------------------------------------------------------------------------------------


class RmaLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    lot_on_hold = serializers.BooleanField(source="lot.on_hold", read_only=True, allow_null=True)

    class Meta:
        model = RmaLine
        fields = ("id", "item", "lot", "lot_on_hold", "quantity", "reason")
        read_only_fields = fields


class RmaSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)
    account = serializers.CharField(source="case.account.code", read_only=True)
    warehouse = shown_by_code()
    quality_location = serializers.CharField(source="warehouse.quality_location.code", read_only=True, allow_null=True)
    receipt = serializers.SlugRelatedField(slug_field="number", read_only=True)
    lines = RmaLineSerializer(many=True, read_only=True)

    class Meta:
        model = Rma
        fields = (
            "id",
            "number",
            "case",
            "account",
            "state",
            "warehouse",
            "quality_location",
            "receipt",
            "note",
            "authorized_at",
            "received_at",
            "closed_at",
            "lines",
        )
        read_only_fields = fields


class RmaLineInputSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    lot = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text=gettext_lazy("For tracked items.")
    )
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.000001"))
    reason = serializers.CharField(max_length=255)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["lot"] = lot_by_code(attrs["lot"], attrs["item"])
        return attrs


class RmaAuthorizeSerializer(StrictInputMixin, serializers.Serializer):
    case = serializers.SlugRelatedField(
        slug_field="number", queryset=ServiceCase.objects.select_related("sales_order__warehouse")
    )
    warehouse = by_code(
        Warehouse,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Default: where the case's order shipped from."),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lines = RmaLineInputSerializer(many=True, allow_empty=False)


@extend_schema_view(
    list=extend_schema(summary="Returns (RMAs), newest first; filters state, case, account, q"),
    retrieve=extend_schema(summary="One return with its lines and receipt"),
    create=extend_schema(
        summary="Authorize a return on a case", request=RmaAuthorizeSerializer, responses={201: RmaSerializer}
    ),
)
class RmaViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        Rma.objects.select_related("case__account", "warehouse__quality_location", "receipt")
        .prefetch_related("lines__item", "lines__lot")
        .order_by("-number")
    )
    serializer_class = detail_serializer_class = RmaSerializer
    filterset_class = RmaFilterSet
    ordering_fields = ("number", "authorized_at", "received_at", "state")
    action_permissions = {"receive": RECEIVE, "close": ["crm.view_rma", "crm.change_rma"]}

    def create(self, request, *args, **kwargs):
        data = self.validated(RmaAuthorizeSerializer)
        return self.answer(services.rma_authorize(user=request.user, **data), status.HTTP_201_CREATED)

    receive = command_actions(record="rma", responses=RmaSerializer)(
        "receive",
        services.rma_receive,
        "The goods are back: received from the customer into the warehouse's quality-hold location, lots held",
    )
    close = command_actions(record="rma", responses=RmaSerializer)("close", services.rma_close, "Close the return")


def register(router) -> None:
    """Add the after-sales service viewsets to the CRM router."""
    router.register("sla-policies", SlaPolicyViewSet)
    router.register("service-cases", ServiceCaseViewSet, basename="servicecase")
    router.register("rmas", RmaViewSet)
