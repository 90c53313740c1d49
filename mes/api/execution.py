"""The execution API: the production record (read-only events), the runs of operations on machines, every
machine's live state, downtimes and operators on machines, the scrap and downtime reason codes, and the
commands the floor and its machines send: start, pause, resume, count, complete and book a run; consume,
backflush and produce material; start and end a downtime; report a machine's state; sign operators on and
off; correct a count.

Machines, reasons, items, lots and locations are referenced by code, orders by number, operators by the
badge they scan, runs and events by id. Views are thin: every command is one call of mes.services.execution,
whose refusals the exception handler turns into 400s naming field, code and reason. Events recorded here
have the source `api`.
"""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin
from core.models import Machine
from erp.models import ProductionOrder
from erp.selectors.people import employee_by_badge
from mes.api.common import POSITIVE, QUANTITY, bin_by_code, item_lot, refusal
from mes.choices import EventSource, MachineState, RunState
from mes.filtersets.execution import (
    DowntimeFilterSet,
    DowntimeReasonFilterSet,
    MachineStatusFilterSet,
    OperationRunFilterSet,
    OperatorAssignmentFilterSet,
    ProductionEventFilterSet,
    ScrapReasonFilterSet,
)
from mes.models import (
    Downtime,
    DowntimeReason,
    OperationRun,
    OperatorAssignment,
    ProductionEvent,
    ScrapReason,
)
from mes.services import execution as services

# Recording on the floor (operators through tablets, machines and other systems through this API) is
# changing runs; the services check the finer rules (qualifications, a supervisor for more than ordered).
RECORD = ["mes.change_operationrun"]
API = EventSource.API


# --- Reading ---------------------------------------------------------------------------------------------------


class ProductionEventSerializer(serializers.ModelSerializer):
    machine = shown_by_code()
    order = serializers.CharField(source="operation.order.number", read_only=True, allow_null=True)
    seq = serializers.IntegerField(source="operation.seq", read_only=True, allow_null=True)
    employee = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text=_("The operator's employee number.")
    )
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    scrap_reason = shown_by_code()
    downtime_reason = shown_by_code()
    component = serializers.CharField(
        source="component.item.code", read_only=True, allow_null=True, help_text=_("The consumed component's item.")
    )
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)

    class Meta:
        model = ProductionEvent
        fields = (
            "id",
            "kind",
            "at",
            "recorded_at",
            "source",
            "machine",
            "order",
            "seq",
            "operation",
            "employee",
            "user",
            "good_qty",
            "scrap_qty",
            "scrap_reason",
            "downtime_reason",
            "machine_state",
            "component",
            "lot",
            "quantity",
            "corrects",
            "note",
        )
        read_only_fields = fields
        extra_kwargs = {
            "operation": {"help_text": _("The production operation's id.")},
            "corrects": {"help_text": _("The count a correction corrects; its figures are the difference.")},
        }


def production_events() -> QuerySet[ProductionEvent]:
    return ProductionEvent.objects.select_related(
        "machine",
        "operation__order",
        "employee",
        "user",
        "scrap_reason",
        "downtime_reason",
        "component__item",
        "lot",
    ).order_by("-at", "-id")


class OperationRunSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="operation.order.number", read_only=True)
    seq = serializers.IntegerField(source="operation.seq", read_only=True)
    name = serializers.CharField(source="operation.name", read_only=True)
    item = serializers.CharField(source="operation.order.item.code", read_only=True)
    ordered_qty = serializers.DecimalField(
        source="operation.order.quantity", read_only=True, help_text=_("What the order asks for."), **QUANTITY
    )
    machine = shown_by_code()

    class Meta:
        model = OperationRun
        fields = (
            "id",
            "order",
            "seq",
            "name",
            "operation",
            "item",
            "ordered_qty",
            "machine",
            "state",
            "started_at",
            "finished_at",
            "running_since",
            "run_seconds",
            "good_qty",
            "scrap_qty",
            "booked_good",
            "booked_scrap",
            "booked_seconds",
            "booked_at",
        )
        read_only_fields = fields
        extra_kwargs = {
            "operation": {"help_text": _("The production operation's id.")},
            "booked_good": {"help_text": _("Good units reported to ERP so far.")},
            "booked_scrap": {"help_text": _("Scrapped units reported to ERP so far.")},
        }


class OpenRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = OperationRun
        fields = ("id", "state", "started_at", "good_qty", "scrap_qty")
        read_only_fields = fields


class MachineStatusSerializer(serializers.Serializer):
    machine = serializers.CharField(source="code", read_only=True)
    name = serializers.CharField(read_only=True)
    work_center = serializers.CharField(source="work_center.code", read_only=True)
    state = serializers.ChoiceField(
        choices=MachineState.choices,
        source="live_state",
        read_only=True,
        help_text=_("A machine that never reported is idle."),
    )
    since = serializers.DateTimeField(
        source="status.since", read_only=True, allow_null=True, help_text=_("null: it never reported.")
    )
    reason = serializers.CharField(
        source="status.reason.code", read_only=True, allow_null=True, help_text=_("Why it is down, held or in setup.")
    )
    reason_name = serializers.CharField(source="status.reason.name", read_only=True, allow_null=True)
    order = serializers.CharField(source="status.operation.order.number", read_only=True, allow_null=True)
    seq = serializers.IntegerField(source="status.operation.seq", read_only=True, allow_null=True)
    operation = serializers.IntegerField(
        source="status.operation_id",
        read_only=True,
        allow_null=True,
        help_text=_("The production operation on the machine (running or paused)."),
    )
    item = serializers.CharField(source="status.operation.order.item.code", read_only=True, allow_null=True)
    run = serializers.SerializerMethodField(help_text=_("The run open on the machine; null: none."))

    @extend_schema_field(OpenRunSerializer(allow_null=True))
    def get_run(self, machine: Machine) -> dict | None:
        return OpenRunSerializer(machine.open_runs[0]).data if machine.open_runs else None


def machine_statuses() -> QuerySet[Machine]:
    """Machines with their live state: their status row, or idle when they never reported."""
    return (
        Machine.objects.select_related("work_center", "status__reason", "status__operation__order__item")
        .annotate(live_state=Coalesce("status__state", Value(MachineState.IDLE)))
        .prefetch_related(
            Prefetch("operation_runs", queryset=OperationRun.objects.exclude(state=RunState.DONE), to_attr="open_runs")
        )
        .order_by("code")
    )


class DowntimeSerializer(serializers.ModelSerializer):
    machine = shown_by_code()
    reason = shown_by_code()
    reason_name = serializers.CharField(source="reason.name", read_only=True)
    category = serializers.CharField(source="reason.category", read_only=True)
    order = serializers.CharField(source="operation.order.number", read_only=True, allow_null=True)
    seq = serializers.IntegerField(source="operation.seq", read_only=True, allow_null=True)
    minutes = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True, help_text=_("null: still down.")
    )
    note = serializers.CharField(source="start_event.note", read_only=True)

    class Meta:
        model = Downtime
        fields = (
            "id",
            "machine",
            "reason",
            "reason_name",
            "category",
            "order",
            "seq",
            "operation",
            "start",
            "end",
            "minutes",
            "note",
            "start_event",
            "end_event",
        )
        read_only_fields = fields


class OperatorAssignmentSerializer(serializers.ModelSerializer):
    employee = serializers.SlugRelatedField(slug_field="number", read_only=True)
    employee_name = serializers.CharField(source="employee.full_name", read_only=True)
    machine = shown_by_code()

    class Meta:
        model = OperatorAssignment
        fields = ("id", "employee", "employee_name", "machine", "since", "until")
        read_only_fields = fields
        extra_kwargs = {"until": {"help_text": _("null: still on the machine.")}}


class ScrapReasonSerializer(StrictInputMixin, FullCleanSerializer):
    class Meta:
        model = ScrapReason
        fields = ("id", "code", "name", "active")


class DowntimeReasonSerializer(StrictInputMixin, FullCleanSerializer):
    class Meta:
        model = DowntimeReason
        fields = ("id", "code", "name", "category", "kind", "counts_against_availability", "active")


# --- Writing: what the floor reports -----------------------------------------------------------------------


class MomentField(serializers.DateTimeField):
    # A moment on the floor says its offset: a tablet's or a PLC's local time is ambiguous (and wrong
    # twice a year), so a time without one is refused rather than read in the server's zone.
    default_error_messages = {"naive": _("Give the time with its time zone.")}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


def _moment() -> MomentField:
    return MomentField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "When it happened, with its offset (2026-11-23T06:00:00+01:00); now when left out. "
            "Up to 5 minutes ahead of the server's clock is accepted."
        ),
    )


class WhenSerializer(StrictInputMixin, serializers.Serializer):
    at = _moment()


class BadgeSerializer(StrictInputMixin, serializers.Serializer):
    badge = serializers.CharField(required=False, help_text=_("The operator's badge, as scanned."))

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "badge" in attrs:
            attrs["employee"] = employee_by_badge(attrs.pop("badge"))
        return attrs


class FloorSerializer(BadgeSerializer, WhenSerializer):
    pass


class OperationStartSerializer(FloorSerializer):
    order = serializers.CharField(help_text=_("The production order's number."))
    seq = serializers.IntegerField(help_text=_("The operation's number on the order (10, 20...)."))
    machine = by_code(Machine, help_text=_("A machine of the operation's work center."))

    def validate(self, attrs):
        number, seq = attrs.pop("order"), attrs.pop("seq")
        order = ProductionOrder.objects.filter(number=number).first()
        if order is None:
            message = _("There is no production order %(number)s.") % {"number": number}
            raise refusal("order", message, "does_not_exist")
        attrs["operation"] = order.operations.filter(seq=seq).first()
        if attrs["operation"] is None:
            message = _("%(number)s has no operation %(seq)s.") % {"number": number, "seq": seq}
            raise refusal("seq", message, "does_not_exist")
        return super().validate(attrs)


class RunPauseSerializer(FloorSerializer):
    reason = by_code(
        DowntimeReason,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A downtime reason: the machine is down for it until the run resumes; none: idle."),
    )


def _override_field() -> serializers.BooleanField:
    return serializers.BooleanField(
        default=False,
        help_text=_(
            "The signed-in user accepts more good units than ordered, as supervisor: refused (over_quantity) "
            "unless they may change production orders."
        ),
    )


class RunCountSerializer(FloorSerializer):
    good_qty = serializers.DecimalField(**QUANTITY, required=False, default=Decimal(0))
    scrap_qty = serializers.DecimalField(**QUANTITY, required=False, default=Decimal(0))
    scrap_reason = by_code(
        ScrapReason, required=False, allow_null=True, default=None, help_text=_("Required with scrap.")
    )
    override = _override_field()


class DowntimeStartSerializer(FloorSerializer):
    machine = by_code(Machine)
    reason = by_code(DowntimeReason)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class DowntimeEndSerializer(FloorSerializer):
    machine = by_code(Machine)


class MachineStateSerializer(WhenSerializer):
    machine = by_code(Machine)
    state = serializers.ChoiceField(choices=MachineState.choices)
    reason = by_code(
        DowntimeReason,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Required when a running or idle machine goes down, held or into setup."),
    )


class SignOnSerializer(FloorSerializer):
    badge = serializers.CharField(help_text=_("The operator's badge, as scanned."))
    machine = by_code(Machine)


class SignOffSerializer(FloorSerializer):
    badge = serializers.CharField(help_text=_("The operator's badge, as scanned."))
    machine = by_code(
        Machine, required=False, allow_null=True, default=None, help_text=_("None: every machine, and clock out.")
    )


class ConsumeSerializer(FloorSerializer):
    component = serializers.CharField(help_text=_("The component's item code."))
    position = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Only when the item is on the order twice.")
    )
    lot = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64, help_text=_("The lot or serial scanned.")
    )
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    location = bin_by_code(
        required=False, allow_null=True, default=None, help_text=_("Where it was taken; needed beyond the reserved.")
    )

    def validate(self, attrs):
        order = self.context["run"].operation.order
        code, position = attrs["component"], attrs.pop("position")
        components = order.components.filter(item__code=code).select_related("item")
        if position is not None:
            components = components.filter(position=position)
        found = list(components[:2])
        if not found:
            message = _("%(item)s is not a component of %(number)s.") % {"item": code, "number": order.number}
            raise refusal("component", message, "not_on_order")
        if len(found) > 1:
            message = _("%(item)s is on the order more than once: give its position.") % {"item": code}
            raise refusal("position", message, "required")
        attrs["component"] = found[0]
        attrs["lot"] = item_lot(found[0].item, attrs.pop("lot"))
        return super().validate(attrs)


class BackflushSerializer(FloorSerializer):
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE, help_text=_("Units of the order's item made."))
    location = bin_by_code(
        required=False, allow_null=True, default=None, help_text=_("For what reservations do not cover.")
    )


class ProduceSerializer(FloorSerializer):
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    lot_code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text=_("Default: a new lot named after the order, or one serial per unit."),
    )
    location = bin_by_code(
        required=False, allow_null=True, default=None, help_text=_("Default: the receiving dock, with put-away tasks.")
    )


class CorrectSerializer(BadgeSerializer):
    good_qty = serializers.DecimalField(
        **QUANTITY, required=False, allow_null=True, default=None, help_text=_("The right figure; null: unchanged.")
    )
    scrap_qty = serializers.DecimalField(
        **QUANTITY, required=False, allow_null=True, default=None, help_text=_("The right figure; null: unchanged.")
    )
    note = serializers.CharField(max_length=255, help_text=_("Why the count is corrected."))
    override = _override_field()


def _events_answer(events: list[ProductionEvent]) -> Response:
    """The events a command recorded, as the event list shows them."""
    records = production_events().filter(pk__in=[event.pk for event in events]).order_by("id")
    return Response(ProductionEventSerializer(records, many=True).data, status=status.HTTP_201_CREATED)


def _event_answer(event: ProductionEvent) -> Response:
    return Response(
        ProductionEventSerializer(production_events().get(pk=event.pk)).data, status=status.HTTP_201_CREATED
    )


# --- The production record -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The production record, newest first: every start, pause, count, consumption, downtime and "
        "correction; filters machine, order, seq, operation, kind, source, lot, employee, at range"
    ),
    retrieve=extend_schema(summary="One production event"),
)
class ProductionEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Events are never changed nor deleted; a wrong count is corrected by a new event."""

    queryset = production_events()
    serializer_class = ProductionEventSerializer
    filterset_class = ProductionEventFilterSet
    ordering_fields = ("at", "recorded_at", "id")
    action_permissions = {"correct": RECORD}

    @extend_schema(
        summary="Correct a count: a correction event records the difference to the right figures; the run, "
        "the roll-up and ERP follow",
        request=CorrectSerializer,
        responses={201: ProductionEventSerializer},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        event = self.get_object()
        serializer = CorrectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        override_by = request.user if data.pop("override") else None
        return _event_answer(services.event_correct(event=event, **data, user=request.user, override_by=override_by))


# --- Runs of operations ----------------------------------------------------------------------------------------


def _run_command(name: str, service, summary: str, request_serializer: type[serializers.Serializer]):
    """A run command that records an event and answers with the run as it is now (pause, resume, complete)."""

    def run(self, request, pk=None):
        record = self.get_object()
        data = self.validated(request_serializer)
        return self.answer(service(run=record, **data, user=request.user, source=API))

    run.__name__ = run.__qualname__ = name
    routed = action(detail=True, methods=["post"])(run)
    return extend_schema(summary=summary, request=request_serializer, responses=OperationRunSerializer)(routed)


@extend_schema_view(
    list=extend_schema(summary="Operations run on machines, newest first; filters machine, work center, state, order"),
    retrieve=extend_schema(summary="One run: its counts, its running time and what of both is booked to ERP"),
)
class OperationRunViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    queryset = OperationRun.objects.select_related("operation__order__item", "machine").order_by("-started_at", "-id")
    serializer_class = detail_serializer_class = OperationRunSerializer
    filterset_class = OperationRunFilterSet
    ordering_fields = ("started_at", "finished_at", "state", "machine__code", "operation__order__number")
    action_permissions = dict.fromkeys(
        ("start", "pause", "resume", "count", "complete", "book", "consume", "backflush", "produce"), RECORD
    )

    @extend_schema(
        summary="Start an operation (by order number and seq) on a machine of its work center: refused (400) "
        "when the machine is busy or down, the operation not ready or open elsewhere, the operator not qualified",
        request=OperationStartSerializer,
        responses={201: OperationRunSerializer},
    )
    @action(detail=False, methods=["post"])
    def start(self, request):
        data = self.validated(OperationStartSerializer)
        run = services.operation_start(**data, user=request.user, source=API)
        return self.answer(run, status.HTTP_201_CREATED)

    pause = _run_command(
        "pause",
        services.operation_pause,
        "Pause the running operation; with a reason the machine is down for it. What ran is booked to ERP",
        RunPauseSerializer,
    )
    resume = _run_command(
        "resume", services.operation_resume, "Go on with a paused run; its downtime ends", FloorSerializer
    )

    @extend_schema(
        summary="Count good and scrapped units (scrap with a reason); more good units than ordered need "
        "`override` by a supervisor",
        request=RunCountSerializer,
        responses={201: ProductionEventSerializer},
    )
    @action(detail=True, methods=["post"])
    def count(self, request, pk=None):
        record = self.get_object()
        data = self.validated(RunCountSerializer)
        override_by = request.user if data.pop("override") else None
        event = services.operation_count(run=record, **data, user=request.user, source=API, override_by=override_by)
        return _event_answer(event)

    complete = _run_command(
        "complete",
        services.operation_complete,
        "Complete the run: everything counted and run is booked, the next operation becomes ready",
        FloorSerializer,
    )

    @extend_schema(
        summary="Book to ERP what the open run counted and ran since it was last booked",
        request=WhenSerializer,
        responses=OperationRunSerializer,
    )
    @action(detail=True, methods=["post"])
    def book(self, request, pk=None):
        record = self.get_object()
        return self.answer(services.run_book(run=record, **self.validated(WhenSerializer), user=request.user))

    @extend_schema(
        summary="Consume a quantity of a component (a scanned lot): issued from stock, recorded and linked to "
        "what the order produces; a held lot is refused",
        request=ConsumeSerializer,
        responses={201: ProductionEventSerializer(many=True)},
    )
    @action(detail=True, methods=["post"])
    def consume(self, request, pk=None):
        record = self.get_object()
        data = self.validated(ConsumeSerializer, run=record)
        return _events_answer(services.material_consume(run=record, **data, user=request.user, source=API))

    @extend_schema(
        summary="Consume every component for a quantity made, by the BOM; one event per lot taken",
        request=BackflushSerializer,
        responses={201: ProductionEventSerializer(many=True)},
    )
    @action(detail=True, methods=["post"])
    def backflush(self, request, pk=None):
        record = self.get_object()
        data = self.validated(BackflushSerializer)
        return _events_answer(services.material_backflush(run=record, **data, user=request.user, source=API))

    @extend_schema(
        summary="Receive good units of the order's last operation into stock under a lot or serials, linked to "
        "the lots consumed",
        request=ProduceSerializer,
        responses={201: ProductionEventSerializer(many=True)},
    )
    @action(detail=True, methods=["post"])
    def produce(self, request, pk=None):
        record = self.get_object()
        data = self.validated(ProduceSerializer)
        data["lot_code"] = data["lot_code"].strip() or None
        return _events_answer(services.lot_produce(run=record, **data, user=request.user, source=API))


# --- Machines: live state, downtimes, operators ---------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Every active machine's live state, with the reason it stands and the order and run on it; "
        "filters work center, state"
    ),
    retrieve=extend_schema(summary="One machine's live state, by its code"),
)
class MachineStatusViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    queryset = machine_statuses().filter(active=True)
    serializer_class = detail_serializer_class = MachineStatusSerializer
    filterset_class = MachineStatusFilterSet
    ordering_fields = ("code", "live_state", "status__since")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    # The machines are listed (those that never reported too); reading them is reading machine statuses.
    action_permissions = {
        "list": ["mes.view_machinestatus"],
        "retrieve": ["mes.view_machinestatus"],
        "report": RECORD,
    }

    def detail_queryset(self) -> QuerySet[Machine]:
        # A machine taken out of use may still report (its PLC is on): the answer shows it all the same.
        return machine_statuses()

    @extend_schema(
        summary="A state a machine or another system reports: down, held or setup opens a downtime with the "
        "reason, running or idle ends it; a state the machine already has changes nothing",
        request=MachineStateSerializer,
        responses=MachineStatusSerializer,
    )
    @action(detail=False, methods=["post"])
    def report(self, request):
        data = self.validated(MachineStateSerializer)
        machine_status = services.machine_state_record(**data, source=API)
        return self.answer(machine_status.machine)


@extend_schema_view(
    list=extend_schema(
        summary="Machine stops, newest first; filters machine, work center, reason, category, the period they "
        "overlap, open"
    ),
    retrieve=extend_schema(summary="One stop of a machine"),
)
class DowntimeViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Downtime.objects.select_related("machine", "reason", "operation__order", "start_event").order_by(
        "-start", "-id"
    )
    serializer_class = detail_serializer_class = DowntimeSerializer
    filterset_class = DowntimeFilterSet
    ordering_fields = ("start", "end", "machine__code", "reason__code")
    action_permissions = {"start": RECORD, "end": RECORD}

    @extend_schema(
        summary="A machine stops for a reason: the running operation pauses; a breakdown takes the machine out "
        "of the schedule",
        request=DowntimeStartSerializer,
        responses={201: DowntimeSerializer},
    )
    @action(detail=False, methods=["post"])
    def start(self, request):
        data = self.validated(DowntimeStartSerializer)
        return self.answer(services.downtime_start(**data, user=request.user, source=API), status.HTTP_201_CREATED)

    @extend_schema(
        summary="The machine is back: its open downtime ends, the operation it paused runs again",
        request=DowntimeEndSerializer,
        responses=DowntimeSerializer,
    )
    @action(detail=False, methods=["post"])
    def end(self, request):
        data = self.validated(DowntimeEndSerializer)
        return self.answer(services.downtime_end(**data, user=request.user, source=API))


@extend_schema_view(
    list=extend_schema(summary="Operators on machines, newest first; filters machine, employee, open"),
    retrieve=extend_schema(summary="One operator's time on a machine"),
)
class OperatorAssignmentViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    queryset = OperatorAssignment.objects.select_related("employee", "machine").order_by("-since", "-id")
    serializer_class = detail_serializer_class = OperatorAssignmentSerializer
    filterset_class = OperatorAssignmentFilterSet
    ordering_fields = ("since", "until", "machine__code", "employee__number")
    action_permissions = {"sign_on": RECORD, "sign_off": RECORD}

    @extend_schema(
        summary="An operator (by badge) takes a machine: qualified for it, clocked in if not yet",
        request=SignOnSerializer,
        responses={201: OperatorAssignmentSerializer},
    )
    @action(detail=False, methods=["post"], url_path="sign-on")
    def sign_on(self, request):
        data = self.validated(SignOnSerializer)
        return self.answer(services.operator_sign_on(**data, user=request.user), status.HTTP_201_CREATED)

    @extend_schema(
        summary="An operator leaves a machine, or every machine (and is clocked out) when none is named",
        request=SignOffSerializer,
        responses=OperatorAssignmentSerializer(many=True),
    )
    @action(detail=False, methods=["post"], url_path="sign-off", pagination_class=None)
    def sign_off(self, request):
        data = self.validated(SignOffSerializer)
        ended = services.operator_sign_off(**data, user=request.user)
        records = self.get_queryset().filter(pk__in=[assignment.pk for assignment in ended])
        return Response(self.detail_serializer_class(records, many=True).data)


# --- Reason codes ------------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="Why units are scrapped; filters code, active"))
class ScrapReasonViewSet(viewsets.ModelViewSet):
    queryset = ScrapReason.objects.order_by("code")
    serializer_class = ScrapReasonSerializer
    filterset_class = ScrapReasonFilterSet
    ordering_fields = ("code", "name")


@extend_schema_view(
    list=extend_schema(
        summary="Why machines stand (planned or not, and whether it counts against availability); filters "
        "code, category, kind, counts_against_availability, active"
    )
)
class DowntimeReasonViewSet(viewsets.ModelViewSet):
    queryset = DowntimeReason.objects.order_by("category", "code")
    serializer_class = DowntimeReasonSerializer
    filterset_class = DowntimeReasonFilterSet
    ordering_fields = ("code", "name", "category", "kind")


def register(router) -> None:
    """Add the execution viewsets to the MES router."""
    router.register("production-events", ProductionEventViewSet)
    router.register("operation-runs", OperationRunViewSet)
    router.register("machine-statuses", MachineStatusViewSet, basename="machine-status")
    router.register("downtimes", DowntimeViewSet)
    router.register("operator-assignments", OperatorAssignmentViewSet)
    router.register("scrap-reasons", ScrapReasonViewSet)
    router.register("downtime-reasons", DowntimeReasonViewSet)
