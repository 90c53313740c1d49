"""The pipeline API: opportunities (accounts by code, stages by name, owners by username) created and changed,
moved on by their commands (move, win, lose, reopen); the stages, lost reasons and sales targets; and the
forecast by month and owner.

Views are thin: each write of an opportunity is one service call, whose refusals the exception handler turns
into 400s naming field, code and reason.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Contact, Currency, Partner
from core.selectors.currencies import company_currency
from crm.filtersets.opportunities import (
    LostReasonFilterSet,
    OpportunityFilterSet,
    SalesTargetFilterSet,
    StageFilterSet,
)
from crm.models import Lead, LostReason, Opportunity, SalesTarget, Stage
from crm.selectors.pipeline import month_start, sales_forecast
from crm.services import opportunities as services

MONEY = {"max_digits": 18, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal(0), "max_value": Decimal(100)}
MANAGE = ["crm.change_opportunity"]


def _username(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), **kwargs
    )


def _stage(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="name", queryset=Stage.objects.all(), **kwargs)


# --- Opportunities ---------------------------------------------------------------------------------------------

OPPORTUNITY_FIELDS = (
    "id",
    "number",
    "name",
    "account",
    "account_name",
    "contact",
    "owner",
    "stage",
    "state",
    "expected_revenue",
    "currency",
    "probability_pct",
    "weighted_revenue",
    "close_date",
    "lost_reason",
    "lost_note",
    "closed_at",
    "lead",
    "description",
    "created_at",
    "updated_at",
)


class OpportunitySerializer(serializers.ModelSerializer):
    account = shown_by_code()
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    stage = serializers.SlugRelatedField(slug_field="name", read_only=True)
    currency = shown_by_code()
    lost_reason = shown_by_code()
    lead = serializers.SlugRelatedField(slug_field="number", read_only=True)
    weighted_revenue = serializers.DecimalField(
        **MONEY, read_only=True, help_text=_("Expected revenue times probability.")
    )

    class Meta:
        model = Opportunity
        fields = OPPORTUNITY_FIELDS
        read_only_fields = OPPORTUNITY_FIELDS


class OpportunityCreateSerializer(StrictInputMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    account = by_code(Partner)
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    owner = _username(required=False, help_text=_("Default: who creates it."))
    stage = _stage(required=False, allow_null=True, help_text=_("Default: the first open stage."))
    expected_revenue = serializers.DecimalField(**MONEY, min_value=Decimal(0))
    currency = by_code(
        Currency, required=False, allow_null=True, help_text=_("Default: the customer's, else the company's.")
    )
    close_date = serializers.DateField()
    probability_pct = serializers.DecimalField(
        **PERCENT, required=False, allow_null=True, help_text=_("Default: the stage's.")
    )
    lead = serializers.SlugRelatedField(
        slug_field="number", queryset=Lead.objects.all(), required=False, allow_null=True
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")


class OpportunityUpdateSerializer(StrictInputMixin, serializers.Serializer):
    """An open opportunity's fields; a won or lost one's description and contact only."""

    name = serializers.CharField(max_length=200, required=False)
    account = by_code(Partner, required=False)
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    owner = _username(required=False)
    expected_revenue = serializers.DecimalField(**MONEY, min_value=Decimal(0), required=False)
    currency = by_code(Currency, required=False)
    close_date = serializers.DateField(required=False)
    probability_pct = serializers.DecimalField(**PERCENT, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class OpportunityMoveSerializer(StrictInputMixin, serializers.Serializer):
    stage = _stage(help_text=_("Into the won stage wins it; into the lost stage loses it (give lost_reason)."))
    lost_reason = by_code(LostReason, required=False, allow_null=True)
    lost_note = serializers.CharField(required=False, allow_blank=True, default="")


class OpportunityLoseSerializer(StrictInputMixin, serializers.Serializer):
    lost_reason = by_code(LostReason)
    lost_note = serializers.CharField(required=False, allow_blank=True, default="")


class OpportunityReopenSerializer(StrictInputMixin, serializers.Serializer):
    stage = _stage(required=False, allow_null=True, help_text=_("Default: the last open stage."))


OPPORTUNITY_COMMAND = command_actions(record="opportunity", responses=OpportunitySerializer)


@extend_schema_view(
    list=extend_schema(summary="Opportunities; filters stage, owner, state, account, close_month, close_date"),
    retrieve=extend_schema(summary="An opportunity"),
    create=extend_schema(
        summary="An open opportunity, in the first open stage unless told",
        request=OpportunityCreateSerializer,
        responses={201: OpportunitySerializer},
    ),
    update=extend_schema(summary="Change an opportunity's fields", request=OpportunityUpdateSerializer),
    partial_update=extend_schema(summary="Change an opportunity's fields", request=OpportunityUpdateSerializer),
)
class OpportunityViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    """Opportunities are created here and moved on by their commands; lost, never deleted."""

    queryset = Opportunity.objects.select_related("account", "owner", "stage", "currency", "lost_reason", "lead")
    serializer_class = OpportunitySerializer
    detail_serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    ordering_fields = ["number", "name", "close_date", "expected_revenue", "probability_pct", "stage__sequence"]
    action_permissions = {"move": MANAGE, "win": MANAGE, "lose": MANAGE, "reopen": MANAGE}

    def get_serializer_class(self):
        return {
            "create": OpportunityCreateSerializer,
            "update": OpportunityUpdateSerializer,
            "partial_update": OpportunityUpdateSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        data = self.validated(OpportunityCreateSerializer)
        account = data["account"]
        data["owner"] = data.get("owner") or request.user
        data["currency"] = data.get("currency") or account.currency or company_currency()
        opportunity = services.opportunity_create(**data, user=request.user)
        return self.answer(opportunity, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        opportunity = self.get_object()
        changes = self.validated(OpportunityUpdateSerializer)
        return self.answer(services.opportunity_update(opportunity=opportunity, user=request.user, **changes))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(summary="Move to a stage", request=OpportunityMoveSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        opportunity = self.get_object()
        data = self.validated(OpportunityMoveSerializer)
        return self.answer(services.opportunity_move(opportunity=opportunity, user=request.user, **data))

    win = OPPORTUNITY_COMMAND("win", services.opportunity_win, "Win: the won stage, 100 %, closed today")

    @extend_schema(summary="Lose, with a reason", request=OpportunityLoseSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        opportunity = self.get_object()
        data = self.validated(OpportunityLoseSerializer)
        return self.answer(services.opportunity_lose(opportunity=opportunity, user=request.user, **data))

    @extend_schema(
        summary="Reopen a won or lost opportunity", request=OpportunityReopenSerializer, responses=OpportunitySerializer
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        opportunity = self.get_object()
        data = self.validated(OpportunityReopenSerializer)
        return self.answer(services.opportunity_reopen(opportunity=opportunity, user=request.user, **data))


# --- Stages, lost reasons, targets ------------------------------------------------------------------------------


class StageSerializer(StrictInputMixin, FullCleanSerializer):
    class Meta:
        model = Stage
        fields = ("id", "name", "sequence", "probability_pct", "is_won", "is_lost", "active")


class StageViewSet(viewsets.ModelViewSet):
    """The pipeline's stages, left to right; a stage in use is made inactive rather than deleted."""

    queryset = Stage.objects.order_by("sequence", "name")
    serializer_class = StageSerializer
    filterset_class = StageFilterSet
    ordering_fields = ["sequence", "name", "probability_pct"]


class LostReasonSerializer(StrictInputMixin, FullCleanSerializer):
    class Meta:
        model = LostReason
        fields = ("id", "code", "name", "active")


class LostReasonViewSet(viewsets.ModelViewSet):
    queryset = LostReason.objects.order_by("name")
    serializer_class = LostReasonSerializer
    filterset_class = LostReasonFilterSet
    ordering_fields = ["code", "name"]


class SalesTargetSerializer(StrictInputMixin, FullCleanSerializer):
    owner = _username(required=False, allow_null=True, help_text=_("Null: the whole team's target."))
    currency = by_code(Currency)

    class Meta:
        model = SalesTarget
        fields = ("id", "owner", "month", "amount", "currency")
        # The partial unique constraints are checked by the model's clean() (a team target has no owner).
        validators: list = []


class SalesTargetViewSet(viewsets.ModelViewSet):
    """What each salesperson (or the team) should win per month; the month is given by its first day."""

    queryset = SalesTarget.objects.select_related("owner", "currency").order_by("month", "owner__username")
    serializer_class = SalesTargetSerializer
    filterset_class = SalesTargetFilterSet
    ordering_fields = ["month", "amount"]


# --- Forecast -------------------------------------------------------------------------------------------------


class PipelineForecastQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text=_("A day of the first month. Default: this month."))
    months = serializers.IntegerField(min_value=1, max_value=24, required=False, default=6)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), required=False, allow_null=True
    )


class PipelineForecastRowSerializer(serializers.Serializer):
    month = serializers.DateField()
    owner = serializers.CharField(allow_null=True, help_text=_("Null on a month's total."))
    pipeline = serializers.DecimalField(**MONEY)
    weighted = serializers.DecimalField(**MONEY)
    won = serializers.DecimalField(**MONEY)
    committed = serializers.DecimalField(**MONEY, help_text=_("Won + weighted."))
    target = serializers.DecimalField(**MONEY)
    gap = serializers.DecimalField(**MONEY, help_text=_("Committed less target."))
    attainment_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class PipelineForecastMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    owners = PipelineForecastRowSerializer(many=True)
    total = PipelineForecastRowSerializer()


@extend_schema_serializer(many=False)  # one report, though a viewset's `list` answers it
class PipelineForecastSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text=_("The company currency every amount is in."))
    unconverted = serializers.ListField(
        child=serializers.CharField(), help_text=_("Currencies left out for want of an exchange rate.")
    )
    months = PipelineForecastMonthSerializer(many=True)


def _forecast_row(row) -> dict:
    return {
        "month": row.month,
        "owner": row.owner.get_username() if row.owner is not None else None,
        "pipeline": row.pipeline,
        "weighted": row.weighted,
        "won": row.won,
        "committed": row.committed,
        "target": row.target,
        "gap": row.gap,
        "attainment_pct": row.attainment_pct,
    }


class ForecastViewSet(viewsets.GenericViewSet):
    """The sales forecast by month of close date and owner, in the company currency."""

    queryset = Opportunity.objects.none()
    filter_backends: list = []
    pagination_class = None
    action_permissions = {"list": ["crm.view_opportunity"]}

    @extend_schema(
        summary="Pipeline, weighted and won value per month and owner against the sales targets",
        parameters=[PipelineForecastQuerySerializer],
        responses=PipelineForecastSerializer,
    )
    def list(self, request):
        query = PipelineForecastQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start = month_start(data.get("start") or timezone.localdate())
        forecast = sales_forecast(start=start, months=data["months"], owner=data.get("owner"))
        result = {
            "currency": forecast.currency.code,
            "unconverted": forecast.unconverted,
            "months": [
                {
                    "month": month.month,
                    "owners": [_forecast_row(row) for row in month.rows],
                    "total": _forecast_row(month.total),
                }
                for month in forecast.months
            ],
        }
        return Response(PipelineForecastSerializer(result).data)


def register(router) -> None:
    """Add this area's viewsets to the CRM router."""
    router.register("opportunities", OpportunityViewSet)
    router.register("stages", StageViewSet)
    router.register("lost-reasons", LostReasonViewSet)
    router.register("sales-targets", SalesTargetViewSet)
    router.register("forecast", ForecastViewSet, basename="forecast")
