"""The planning API: demand forecasts (with their months; generate), a month's adjustment, the master
schedule's week entries, and the rough-cut capacity. Items are referenced by code.

Views are thin: every change is a call to aps.services.forecast or aps.services.schedule, whose
ValidationErrors the exception handler turns into 400s naming field and reason.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aps.filtersets.planning import DemandForecastFilterSet, MasterScheduleEntryFilterSet
from aps.models import DemandForecast, DemandForecastPeriod, MasterScheduleEntry
from aps.selectors.capacity import rough_cut_load
from aps.selectors.forecast import forecast_periods
from aps.selectors.mrp import MAX_WEEKS
from aps.services.forecast import MAX_HISTORY_MONTHS, MAX_HORIZON_MONTHS, forecast_generate, forecast_period_adjust
from aps.services.schedule import schedule_entry_delete, schedule_entry_set
from core.api.serializers import StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin
from core.models import Item

QUANTITY = {"max_digits": 18, "decimal_places": 6}
HOURS = {"max_digits": 12, "decimal_places": 2, "read_only": True}


# --- Serializers --------------------------------------------------------------------------------------------


class ForecastPeriodSerializer(serializers.ModelSerializer):
    planned_qty = serializers.DecimalField(
        **QUANTITY, read_only=True, help_text=_("The adjusted quantity when there is one, else the statistical one.")
    )
    adjusted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DemandForecastPeriod
        fields = ("id", "month", "statistical_qty", "adjusted_qty", "planned_qty", "note", "adjusted_by")
        read_only_fields = fields


class ForecastSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    method_errors = serializers.DictField(
        child=serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True),
        read_only=True,
        # xgettext:no-python-format
        help_text=_("MAPE % of every method tried (null: no month with sales to measure it on)."),
    )
    periods = ForecastPeriodSerializer(many=True, read_only=True)

    class Meta:
        model = DemandForecast
        fields = (
            "id",
            "item",
            "item_name",
            "unit",
            "method",
            "mape",
            "method_errors",
            "history_months",
            "generated_on",
            "periods",
        )
        read_only_fields = fields


class ForecastGenerateSerializer(StrictInputMixin, serializers.Serializer):
    horizon_months = serializers.IntegerField(default=6, min_value=1, max_value=MAX_HORIZON_MONTHS)
    history_months = serializers.IntegerField(default=24, min_value=1, max_value=MAX_HISTORY_MONTHS)
    items = serializers.ListField(
        child=by_code(Item),
        required=False,
        allow_empty=False,
        help_text=_("Item codes to forecast; every sold item when left out."),
    )


class ForecastPeriodAdjustSerializer(StrictInputMixin, serializers.Serializer):
    adjusted_qty = serializers.DecimalField(
        **QUANTITY, allow_null=True, required=False, help_text=_("Null: the statistical quantity stands again.")
    )
    note = serializers.CharField(max_length=200, allow_blank=True, required=False)


class ScheduleEntrySerializer(serializers.ModelSerializer):
    item = shown_by_code()
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MasterScheduleEntry
        fields = ("id", "item", "unit", "week_start", "quantity", "note", "updated_by", "updated_at")
        read_only_fields = fields


class ScheduleEntryCreateSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    week_start = serializers.DateField(help_text=_("The Monday of the week."))
    quantity = serializers.DecimalField(**QUANTITY)
    note = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class ScheduleEntryUpdateSerializer(StrictInputMixin, serializers.Serializer):
    quantity = serializers.DecimalField(**QUANTITY, required=False)
    note = serializers.CharField(max_length=200, allow_blank=True, required=False)


class RoughCutQuerySerializer(serializers.Serializer):
    first_week = serializers.DateField(help_text=_("A day of the first week (its Monday is taken)."))
    weeks = serializers.IntegerField(default=13, min_value=1, max_value=MAX_WEEKS)


class RoughCutWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    load_hours = serializers.DecimalField(**HOURS)
    available_hours = serializers.DecimalField(**HOURS)
    utilization_pct = serializers.DecimalField(max_digits=12, decimal_places=1, read_only=True, allow_null=True)
    overloaded = serializers.BooleanField()


class RoughCutWorkCenterSerializer(serializers.Serializer):
    work_center = serializers.CharField(source="work_center.code")
    name = serializers.CharField(source="work_center.name")
    machines = serializers.IntegerField(help_text=_("Active machines."))
    weeks = RoughCutWeekSerializer(many=True)


class MissingRoutingSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    week_start = serializers.DateField(help_text=_("The first week that needs it."))


@extend_schema_serializer(many=False)  # one report, though a viewset's `list` answers it
class RoughCutSerializer(serializers.Serializer):
    first_week = serializers.DateField()
    weeks = serializers.ListField(child=serializers.DateField())
    work_centers = RoughCutWorkCenterSerializer(many=True)
    without_routing = MissingRoutingSerializer(
        many=True, help_text=_("Made items the schedule needs without an effective routing: their load is missing.")
    )


# --- Viewsets ----------------------------------------------------------------------------------------------------


def forecasts():
    return DemandForecast.objects.select_related("item__uom").prefetch_related(forecast_periods())


@extend_schema_view(
    list=extend_schema(summary="Demand forecasts per item, with their months"),
    retrieve=extend_schema(summary="One item's demand forecast with its months"),
)
class ForecastViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = forecasts().order_by("item__code")
    serializer_class = ForecastSerializer
    filterset_class = DemandForecastFilterSet
    ordering_fields = ("item__code", "mape", "method", "generated_on")
    action_permissions = {"generate": ["aps.change_demandforecast"]}

    @extend_schema(
        summary="Forecast every sold item (or the items named) from the sales history, now",
        request=ForecastGenerateSerializer,
        responses={200: inline_serializer("ForecastGenerated", {"forecasts": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def generate(self, request):
        query = ForecastGenerateSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        count = forecast_generate(today=timezone.localdate(), **query.validated_data)
        return Response({"forecasts": count})


@extend_schema_view(
    retrieve=extend_schema(summary="One month of a forecast"),
    partial_update=extend_schema(
        summary="Adjust the month: the planner's quantity (null: back to the statistical one) and a note",
        request=ForecastPeriodAdjustSerializer,
        responses=ForecastPeriodSerializer,
    ),
)
class ForecastPeriodViewSet(ServiceWritesMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = DemandForecastPeriod.objects.select_related("adjusted_by", "forecast__item").order_by("pk")
    serializer_class = detail_serializer_class = ForecastPeriodSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request, *args, **kwargs):
        period = self.get_object()
        data = self.validated(ForecastPeriodAdjustSerializer)
        period = forecast_period_adjust(
            period=period,
            quantity=data.get("adjusted_qty", period.adjusted_qty),
            note=data.get("note", period.note),
            user=request.user,
        )
        return self.answer(period)


@extend_schema_view(
    list=extend_schema(summary="Master schedule entries, by item code and week range"),
    retrieve=extend_schema(summary="One week of an item in the master schedule"),
    create=extend_schema(
        summary="Schedule a quantity of an item in a week (201; 200 when the week had an entry, now replaced)",
        request=ScheduleEntryCreateSerializer,
        responses={201: ScheduleEntrySerializer, 200: ScheduleEntrySerializer},
    ),
    update=extend_schema(
        summary="Change the week's quantity and note",
        request=ScheduleEntryUpdateSerializer,
        responses=ScheduleEntrySerializer,
    ),
    partial_update=extend_schema(
        summary="Change the week's quantity or note",
        request=ScheduleEntryUpdateSerializer,
        responses=ScheduleEntrySerializer,
    ),
    destroy=extend_schema(summary="Take the week out of the schedule"),
)
class ScheduleEntryViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    queryset = MasterScheduleEntry.objects.select_related("item__uom", "updated_by").order_by(
        "item__code", "week_start"
    )
    serializer_class = detail_serializer_class = ScheduleEntrySerializer
    filterset_class = MasterScheduleEntryFilterSet
    ordering_fields = ("item__code", "week_start", "quantity")

    def create(self, request, *args, **kwargs):
        data = self.validated(ScheduleEntryCreateSerializer)
        existed = MasterScheduleEntry.objects.filter(item=data["item"], week_start=data["week_start"]).exists()
        entry = schedule_entry_set(**data, user=request.user)
        return self.answer(entry, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = self.validated(ScheduleEntryUpdateSerializer)
        if not kwargs.get("partial") and "quantity" not in data:
            raise serializers.ValidationError(
                {"quantity": serializers.ErrorDetail(_("This field is required."), code="required")}
            )
        entry = schedule_entry_set(
            item=entry.item,
            week_start=entry.week_start,
            quantity=data.get("quantity", entry.quantity),
            note=data.get("note", entry.note),
            user=request.user,
        )
        return self.answer(entry)

    def perform_destroy(self, instance):
        schedule_entry_delete(entry=instance)


@extend_schema_view(
    list=extend_schema(
        summary="Load against available hours per work center and week, from the master schedule",
        parameters=[RoughCutQuerySerializer],
        responses=RoughCutSerializer,
    )
)
class RoughCutViewSet(viewsets.GenericViewSet):
    # The master schedule's readers may see its load.
    queryset = MasterScheduleEntry.objects.none()
    serializer_class = RoughCutSerializer
    pagination_class = None
    filter_backends = []

    def list(self, request):
        query = RoughCutQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(RoughCutSerializer(rough_cut_load(**query.validated_data)).data)


def register(router) -> None:
    """Add this area's viewsets to the APS router."""
    router.register("forecasts", ForecastViewSet)
    router.register("forecast-periods", ForecastPeriodViewSet)
    router.register("schedule-entries", ScheduleEntryViewSet)
    router.register("rough-cut", RoughCutViewSet, basename="rough-cut")
