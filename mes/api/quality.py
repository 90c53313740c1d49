"""The quality API: inspection plans with their characteristics (configuration: a plan may be created with
its characteristics in one request), inspections recorded against a plan (decided by their measurements;
a failed one raises a nonconformance and holds its lot), nonconformances raised by hand and moved on by
their commands (disposition, close), and corrective actions (create, complete).

Plans, items, machines, work centers and suppliers are referenced by code, lots by their code (of the
plan's or the named item), operators by the badge they scan, operations and receipt lines by id,
nonconformances by number. Views are thin: every write of a record with rules is one call of
mes.services.quality, whose refusals the exception handler turns into 400s naming field, code and reason.
"""

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Item, Machine, Partner, Unit, WorkCenter
from erp.models import ProductionOperation
from erp.selectors.people import employee_by_badge
from mes.api.common import POSITIVE, QUANTITY, lot_by_code, refusal
from mes.choices import CharacteristicKind, Disposition
from mes.filtersets.quality import (
    CharacteristicFilterSet,
    CorrectiveActionFilterSet,
    InspectionFilterSet,
    InspectionPlanFilterSet,
    NonconformanceFilterSet,
)
from mes.models import Characteristic, CorrectiveAction, Inspection, InspectionPlan, Measurement, Nonconformance
from mes.services import quality as services
from wms.models import ReceiptLine

DECIDE = ["mes.change_nonconformance"]


# --- Plans and characteristics -------------------------------------------------------------------------------


class PlanCharacteristicSerializer(serializers.ModelSerializer):
    unit = by_code(Unit, required=False, allow_null=True)
    position = serializers.IntegerField(
        min_value=1, required=False, help_text=gettext_lazy("Default: the characteristic's place in the list.")
    )

    class Meta:
        model = Characteristic
        fields = ("id", "position", "name", "kind", "nominal", "lower_limit", "upper_limit", "unit")

    def validate(self, attrs):
        # The model's own rules (limits for what is measured, none for pass / fail); the plan comes later.
        Characteristic(**attrs).full_clean(exclude=["plan", "position"], validate_unique=False)
        return attrs


class InspectionPlanSerializer(StrictInputMixin, FullCleanSerializer):
    item = by_code(Item)
    characteristics = PlanCharacteristicSerializer(
        many=True,
        required=False,
        help_text=gettext_lazy("On create only; afterwards change them at /characteristics/."),
    )

    class Meta:
        model = InspectionPlan
        fields = (
            "id",
            "code",
            "name",
            "item",
            "trigger",
            "operation_seq",
            "frequency",
            "every_n",
            "active",
            "characteristics",
        )

    def validate(self, attrs):
        characteristics = attrs.pop("characteristics", None)
        attrs = super().validate(attrs)
        if characteristics is None:
            return attrs
        if self.instance is not None:
            message = _("Change a plan's characteristics at /characteristics/.")
            raise refusal("characteristics", message, "read_only")
        for index, characteristic in enumerate(characteristics, start=1):
            characteristic.setdefault("position", index)
        positions = [characteristic["position"] for characteristic in characteristics]
        if len(set(positions)) != len(positions):
            raise refusal("characteristics", _("Two characteristics have the same position."), "duplicate_position")
        attrs["characteristics"] = characteristics
        return attrs

    def create(self, validated_data):
        characteristics = validated_data.pop("characteristics", [])
        with transaction.atomic():
            plan = super().create(validated_data)
            Characteristic.objects.bulk_create(Characteristic(plan=plan, **fields) for fields in characteristics)
        return plan


class CharacteristicSerializer(StrictInputMixin, FullCleanSerializer):
    plan = by_code(InspectionPlan)
    unit = by_code(Unit, required=False, allow_null=True)

    class Meta:
        model = Characteristic
        fields = ("id", "plan", "position", "name", "kind", "nominal", "lower_limit", "upper_limit", "unit")


@extend_schema_view(
    list=extend_schema(summary="Inspection plans with their characteristics; filters item, trigger, frequency, active"),
    create=extend_schema(summary="Create a plan, with its characteristics if given"),
)
class InspectionPlanViewSet(viewsets.ModelViewSet):
    queryset = InspectionPlan.objects.select_related("item").prefetch_related("characteristics__unit").order_by("code")
    serializer_class = InspectionPlanSerializer
    filterset_class = InspectionPlanFilterSet
    ordering_fields = ("code", "name", "item__code")


@extend_schema_view(list=extend_schema(summary="Characteristics of the plans; filters plan, item, kind"))
class CharacteristicViewSet(viewsets.ModelViewSet):
    queryset = Characteristic.objects.select_related("plan", "unit").order_by("plan__code", "position", "id")
    serializer_class = CharacteristicSerializer
    filterset_class = CharacteristicFilterSet
    ordering_fields = ("plan__code", "position", "name")


# --- Inspections ---------------------------------------------------------------------------------------------


class MeasurementSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(source="characteristic.position", read_only=True)
    name = serializers.CharField(source="characteristic.name", read_only=True)

    class Meta:
        model = Measurement
        fields = ("characteristic", "position", "name", "value", "passed", "measured_at")
        read_only_fields = fields


class InspectionSerializer(serializers.ModelSerializer):
    plan = shown_by_code()
    item = serializers.CharField(source="plan.item.code", read_only=True)
    order = serializers.CharField(source="operation.order.number", read_only=True, allow_null=True)
    operation_seq = serializers.IntegerField(source="operation.seq", read_only=True, allow_null=True)
    machine = shown_by_code()
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    inspector = serializers.CharField(source="inspector.number", read_only=True, allow_null=True)
    measurements = MeasurementSerializer(many=True, read_only=True)
    nonconformances = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = (
            "id",
            "number",
            "plan",
            "item",
            "operation",
            "order",
            "operation_seq",
            "machine",
            "lot",
            "receipt_line",
            "unit_number",
            "sample_qty",
            "result",
            "inspected_at",
            "inspector",
            "note",
            "measurements",
            "nonconformances",
        )
        read_only_fields = fields


class MeasurementInputSerializer(StrictInputMixin, serializers.Serializer):
    position = serializers.IntegerField(min_value=1, help_text=gettext_lazy("The characteristic's position."))
    value = serializers.DecimalField(
        **QUANTITY, required=False, allow_null=True, help_text=gettext_lazy("For what is measured.")
    )
    passed = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("For what is judged pass / fail.")
    )


class InspectionCreateSerializer(StrictInputMixin, serializers.Serializer):
    plan = by_code(InspectionPlan)
    operation = serializers.PrimaryKeyRelatedField(
        queryset=ProductionOperation.objects.select_related("order__item", "machine"), required=False, allow_null=True
    )
    lot = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64, help_text=gettext_lazy("A lot of the plan's item.")
    )
    receipt_line = serializers.PrimaryKeyRelatedField(
        queryset=ReceiptLine.objects.select_related("receipt__supplier"), required=False, allow_null=True
    )
    machine = by_code(Machine, required=False, allow_null=True, help_text=gettext_lazy("Default: the operation's."))
    inspector = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64, help_text=gettext_lazy("The inspector's badge.")
    )
    unit_number = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    sample_qty = serializers.DecimalField(**QUANTITY, min_value=POSITIVE, default=Decimal(1))
    inspected_at = serializers.DateTimeField(required=False, allow_null=True, help_text=gettext_lazy("Default: now."))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    measurements = MeasurementInputSerializer(many=True, allow_empty=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        plan: InspectionPlan = attrs["plan"]
        attrs["lot"] = lot_by_code(attrs["lot"], plan.item)
        badge = attrs.pop("inspector").strip()
        try:
            attrs["inspector"] = employee_by_badge(badge) if badge else None
        except DjangoValidationError as error:
            refusals = [serializers.ErrorDetail(m, code=e.code) for e in error.error_dict["badge"] for m in e.messages]
            raise serializers.ValidationError({"inspector": refusals}) from None
        by_position = {c.position: c for c in plan.characteristics.all()}
        measurements = {}
        for given in attrs.pop("measurements"):
            characteristic = by_position.get(given["position"])
            if characteristic is None:
                message = _("Plan %(plan)s has no characteristic %(position)s.") % {
                    "plan": plan.code,
                    "position": given["position"],
                }
                raise refusal("measurements", message, "unknown_position")
            if characteristic in measurements:
                message = _("Characteristic %(position)s is given twice.") % {"position": given["position"]}
                raise refusal("measurements", message, "duplicate_position")
            attribute = characteristic.kind == CharacteristicKind.ATTRIBUTE
            measurements[characteristic] = given.get("passed") if attribute else given.get("value")
        attrs["measurements"] = measurements
        return attrs


@extend_schema_view(
    list=extend_schema(
        summary="Inspections, newest first; filters result, plan, item, lot, order, inspected_at range, q"
    ),
    retrieve=extend_schema(summary="One inspection with its measurements and the nonconformance it raised"),
    create=extend_schema(
        summary="Record an inspection: one measurement per characteristic (value, or passed for pass / fail); "
        "a failed one raises a nonconformance and holds the lot",
        request=InspectionCreateSerializer,
        responses={201: InspectionSerializer},
    ),
)
class InspectionViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        Inspection.objects.select_related("plan__item", "operation__order", "machine", "lot", "inspector")
        .prefetch_related("measurements__characteristic", "nonconformances")
        .order_by("-inspected_at", "-id")
    )
    serializer_class = detail_serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet
    ordering_fields = ("inspected_at", "number", "result")

    def create(self, request, *args, **kwargs):
        data = self.validated(InspectionCreateSerializer)
        inspection = services.inspection_record(
            plan=data["plan"],
            measurements=data["measurements"],
            operation=data.get("operation"),
            lot=data["lot"],
            receipt_line=data.get("receipt_line"),
            machine=data.get("machine"),
            inspector=data["inspector"],
            unit_number=data.get("unit_number"),
            sample_qty=data["sample_qty"],
            note=data["note"],
            at=data.get("inspected_at"),
            user=request.user,
        )
        return self.answer(inspection, status.HTTP_201_CREATED)


# --- Nonconformances and corrective actions ------------------------------------------------------------------


class CorrectiveActionSerializer(serializers.ModelSerializer):
    nonconformance = serializers.SlugRelatedField(slug_field="number", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = ("id", "nonconformance", "description", "owner", "due_date", "done_at")
        read_only_fields = fields


class NonconformanceSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    lot_on_hold = serializers.BooleanField(source="lot.on_hold", read_only=True, allow_null=True)
    order = serializers.CharField(source="operation.order.number", read_only=True, allow_null=True)
    operation_seq = serializers.IntegerField(source="operation.seq", read_only=True, allow_null=True)
    inspection = serializers.SlugRelatedField(slug_field="number", read_only=True)
    supplier = shown_by_code()
    rework_seq = serializers.IntegerField(source="rework_operation.seq", read_only=True, allow_null=True)
    raised_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    actions = CorrectiveActionSerializer(many=True, read_only=True)

    class Meta:
        model = Nonconformance
        fields = (
            "id",
            "number",
            "item",
            "lot",
            "lot_on_hold",
            "quantity",
            "order",
            "operation",
            "operation_seq",
            "inspection",
            "supplier",
            "description",
            "state",
            "disposition",
            "disposition_note",
            "rework_operation",
            "rework_seq",
            "raised_by",
            "raised_at",
            "dispositioned_at",
            "closed_at",
            "actions",
        )
        read_only_fields = fields


class NonconformanceRaiseSerializer(StrictInputMixin, serializers.Serializer):
    description = serializers.CharField()
    item = by_code(Item, required=False, allow_null=True, help_text=gettext_lazy("Default: the lot's."))
    lot = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    operation = serializers.PrimaryKeyRelatedField(
        queryset=ProductionOperation.objects.select_related("order__item"), required=False, allow_null=True
    )
    supplier = by_code(Partner, required=False, allow_null=True, help_text=gettext_lazy("Default: the lot's."))
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), default=Decimal(0))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["lot"] = lot_by_code(attrs["lot"], attrs.get("item"))
        return attrs


class DispositionSerializer(StrictInputMixin, serializers.Serializer):
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("Required for use as is.")
    )
    quantity = serializers.DecimalField(
        **QUANTITY,
        min_value=POSITIVE,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Scrap or return: how much; default the nonconforming quantity, else all of the lot."),
    )
    work_center = by_code(
        WorkCenter, required=False, allow_null=True, help_text=gettext_lazy("Rework: default where it went wrong.")
    )


NONCONFORMANCE_COMMAND = command_actions(record="nonconformance", responses=NonconformanceSerializer)


@extend_schema_view(
    list=extend_schema(summary="Nonconformances, newest first; filters state, disposition, item, lot, supplier"),
    retrieve=extend_schema(summary="One nonconformance with its disposition and corrective actions"),
    create=extend_schema(
        summary="Raise a nonconformance by hand; its lot is put on hold",
        request=NonconformanceRaiseSerializer,
        responses={201: NonconformanceSerializer},
    ),
)
class NonconformanceViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        Nonconformance.objects.select_related(
            "item", "lot", "operation__order", "inspection", "supplier", "rework_operation", "raised_by"
        )
        .prefetch_related("actions__owner")
        .order_by("-raised_at", "-id")
    )
    serializer_class = detail_serializer_class = NonconformanceSerializer
    filterset_class = NonconformanceFilterSet
    ordering_fields = ("raised_at", "number", "state")
    action_permissions = {"disposition": DECIDE, "close": DECIDE}

    def create(self, request, *args, **kwargs):
        data = self.validated(NonconformanceRaiseSerializer)
        return self.answer(services.nonconformance_raise(user=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(
        summary="Decide an open nonconformance: use as is (releases the lot), rework (adds an operation to the "
        "order), scrap or return to supplier (moves the held stock)",
        request=DispositionSerializer,
        responses=NonconformanceSerializer,
    )
    @action(detail=True, methods=["post"])
    def disposition(self, request, pk=None):
        nonconformance = self.get_object()
        data = self.validated(DispositionSerializer)
        return self.answer(
            services.nonconformance_disposition(nonconformance=nonconformance, user=request.user, **data)
        )

    close = NONCONFORMANCE_COMMAND(
        "close",
        services.nonconformance_close,
        "Close a dispositioned nonconformance (rework done, actions completed); its lot is released",
    )


class CorrectiveActionCreateSerializer(StrictInputMixin, serializers.Serializer):
    nonconformance = serializers.SlugRelatedField(slug_field="number", queryset=Nonconformance.objects.all())
    description = serializers.CharField()
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(summary="Corrective actions; filters nonconformance, open, due_date range"),
    create=extend_schema(
        summary="Add a corrective action to a nonconformance that is not closed",
        request=CorrectiveActionCreateSerializer,
        responses={201: CorrectiveActionSerializer},
    ),
)
class CorrectiveActionViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = CorrectiveAction.objects.select_related("nonconformance", "owner").order_by("due_date", "id")
    serializer_class = detail_serializer_class = CorrectiveActionSerializer
    filterset_class = CorrectiveActionFilterSet
    ordering_fields = ("due_date", "done_at")
    action_permissions = {"complete": ["mes.change_correctiveaction"]}

    def create(self, request, *args, **kwargs):
        data = self.validated(CorrectiveActionCreateSerializer)
        action = services.corrective_action_create(user=request.user, **data)
        return self.answer(action, status.HTTP_201_CREATED)

    complete = command_actions(record="action", responses=CorrectiveActionSerializer)(
        "complete", services.corrective_action_complete, "The action is done"
    )


def register(router) -> None:
    """Add the quality viewsets to the MES router."""
    router.register("inspection-plans", InspectionPlanViewSet)
    router.register("characteristics", CharacteristicViewSet)
    router.register("inspections", InspectionViewSet)
    router.register("nonconformances", NonconformanceViewSet)
    router.register("corrective-actions", CorrectiveActionViewSet)
