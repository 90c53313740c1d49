"""The leads API: leads created, read (with their possible duplicates), changed and deleted, moved on by their
commands (qualify, disqualify, reopen, convert), and the duplicate check for a company not entered yet.

Views are thin: each write of a lead is one service call, whose refusals the exception handler turns into
400s naming field, code and reason (a conversion's under `new_account.<field>` and `opportunity.<field>`).
"""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Currency
from crm.api.accounts import account_by_code, username_field
from crm.filtersets.leads import LeadFilterSet
from crm.models import Lead, LeadSource, Stage
from crm.selectors.duplicates import (
    CandidateKind,
    DuplicateCandidate,
    DuplicateQuery,
    duplicate_candidates,
    lead_duplicates,
    matching_accounts,
)
from crm.services import leads as services

MONEY = {"max_digits": 18, "decimal_places": 2}
MANAGE = ["crm.change_lead"]


class DuplicateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CandidateKind.choices)
    id = serializers.IntegerField(source="record.pk")
    reference = serializers.SerializerMethodField(help_text=_("A partner's code or a lead's number."))
    name = serializers.SerializerMethodField()
    account = serializers.SerializerMethodField(
        help_text=_("The partner it is, belongs to, or (a converted lead) became; null for an open lead.")
    )
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=["name", "email", "vat", "domain", "person"]),
        help_text=_("What matched: name, vat and email are strong signs; domain and person hints."),
    )
    strength = serializers.ChoiceField(choices=[("strong", "strong"), ("weak", "weak")])

    def get_reference(self, candidate: DuplicateCandidate) -> str | None:
        record = candidate.record
        return getattr(record, "code", None) or getattr(record, "number", None)

    def get_name(self, candidate: DuplicateCandidate) -> str:
        record = candidate.record
        return getattr(record, "company_name", None) or record.name

    def get_account(self, candidate: DuplicateCandidate) -> str | None:
        account = candidate.account
        return account.code if account is not None else None


@extend_schema_serializer(many=False)  # one report, though a viewset's `list` answers it
class DuplicatesSerializer(serializers.Serializer):
    candidates = DuplicateSerializer(many=True)
    accounts = serializers.ListField(
        child=serializers.CharField(), help_text=_("Codes of the customer accounts a lead like this could merge into.")
    )


def duplicates_answer(candidates: list[DuplicateCandidate]) -> dict[str, Any]:
    return DuplicatesSerializer(
        {"candidates": candidates, "accounts": [account.code for account in matching_accounts(candidates)]}
    ).data


LEAD_FIELDS = (
    "id",
    "number",
    "company_name",
    "contact_name",
    "email",
    "phone",
    "vat_number",
    "country",
    "source",
    "status",
    "notes",
    "owner",
    "need",
    "budget",
    "authority",
    "timing",
    "qualification_score",
    "qualification_notes",
    "disqualify_reason",
    "converted_account",
    "converted_contact",
    "converted_opportunity",
    "converted_at",
    "created_by",
    "created_at",
    "updated_at",
)


class LeadSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    converted_account = shown_by_code()
    converted_opportunity = serializers.SlugRelatedField(slug_field="number", read_only=True)
    qualification_score = serializers.IntegerField(read_only=True, help_text=_("0 to 100: 25 per BANT answer."))

    class Meta:
        model = Lead
        fields = LEAD_FIELDS
        read_only_fields = LEAD_FIELDS


class LeadDetailSerializer(LeadSerializer):
    duplicates = serializers.SerializerMethodField(help_text=_("Who an open lead may already be; empty once closed."))

    class Meta(LeadSerializer.Meta):
        fields = (*LEAD_FIELDS, "duplicates")
        read_only_fields = fields

    @extend_schema_field(DuplicatesSerializer)
    def get_duplicates(self, lead) -> dict[str, Any]:
        return duplicates_answer(lead_duplicates(lead=lead) if lead.is_open else [])


class LeadInputSerializer(StrictInputMixin, serializers.Serializer):
    company_name = serializers.CharField(max_length=200)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    vat_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False, default=LeadSource.OTHER)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    owner = username_field(required=False, allow_null=True, help_text=_("Default: the caller."))


class LeadUpdateSerializer(LeadInputSerializer):
    """Only what is sent changes."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
            field.default = serializers.empty
        return fields


class QualifySerializer(StrictInputMixin, serializers.Serializer):
    need = serializers.BooleanField(help_text=_("Required true: without a need there is nothing to sell."))
    budget = serializers.BooleanField()
    authority = serializers.BooleanField()
    timing = serializers.BooleanField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class DisqualifySerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class NewAccountSerializer(StrictInputMixin, serializers.Serializer):
    """A customer made from the lead: name, VAT number, e-mail, phone and country default to the lead's."""

    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200, required=False)
    parent = account_by_code(required=False, allow_null=True)
    currency = by_code(Currency, required=False, allow_null=True, help_text=_("Default: the company's."))
    payment_terms_days = serializers.IntegerField(min_value=0, required=False)
    credit_limit = serializers.DecimalField(**MONEY, min_value=Decimal(0), required=False)
    vat_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)


class ConvertOpportunitySerializer(StrictInputMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, help_text=_("Default: the lead's company name."))
    expected_revenue = serializers.DecimalField(**MONEY, min_value=Decimal(0))
    currency = by_code(Currency, required=False, allow_null=True, help_text=_("Default: the account's."))
    close_date = serializers.DateField()
    stage = serializers.SlugRelatedField(
        slug_field="name", queryset=Stage.objects.all(), required=False, allow_null=True
    )
    owner = username_field(required=False, allow_null=True, help_text=_("Default: the lead's owner, else the caller."))
    probability_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False, allow_null=True
    )
    description = serializers.CharField(required=False, allow_blank=True)


class ConvertSerializer(StrictInputMixin, serializers.Serializer):
    """Into an existing account (`account`, e.g. the duplicate it turned out to be) or a new one
    (`new_account`), with a contact for its person and, with `create_opportunity`, an opportunity."""

    account = account_by_code(required=False, allow_null=True)
    new_account = NewAccountSerializer(required=False, allow_null=True)
    create_opportunity = serializers.BooleanField(required=False, default=False)
    opportunity = ConvertOpportunitySerializer(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("create_opportunity") and not attrs.get("opportunity"):
            message = _("Give the opportunity's expected_revenue and close_date.")
            raise serializers.ValidationError({"opportunity": serializers.ErrorDetail(message, code="required")})
        return attrs


class DuplicateCheckSerializer(StrictInputMixin, serializers.Serializer):
    company_name = serializers.CharField(required=False, allow_blank=True, default="")
    email = serializers.CharField(required=False, allow_blank=True, default="")
    vat_number = serializers.CharField(required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not any(attrs.values()):
            message = _("Give a company name, an e-mail, a VAT number or a contact name to check.")
            raise serializers.ValidationError(serializers.ErrorDetail(message, code="required"))
        return attrs


LEAD_COMMAND = command_actions(record="lead", responses=LeadDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary="Leads; filters status, source, owner, country, created_at, q"),
    retrieve=extend_schema(summary="A lead with its possible duplicates"),
    create=extend_schema(
        summary="A new lead; the answer lists possible duplicates (not refused: the caller decides)",
        request=LeadInputSerializer,
        responses={201: LeadDetailSerializer},
    ),
    update=extend_schema(summary="Change a lead", request=LeadUpdateSerializer),
    partial_update=extend_schema(summary="Change a lead", request=LeadUpdateSerializer),
    destroy=extend_schema(summary="Delete a lead entered by mistake (not one with activities or converted)"),
)
class LeadViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    queryset = Lead.objects.select_related("owner", "created_by", "converted_account", "converted_opportunity")
    serializer_class = LeadSerializer
    detail_serializer_class = LeadDetailSerializer
    filterset_class = LeadFilterSet
    ordering_fields = ["number", "company_name", "status", "source", "created_at", "converted_at"]
    action_permissions = {
        "qualify": MANAGE,
        "disqualify": MANAGE,
        "reopen": MANAGE,
        # Conversion writes a contact (and a new account: checked when one is asked for) besides the lead.
        "convert": [*MANAGE, "core.add_contact"],
    }

    def get_serializer_class(self):
        return {
            "retrieve": LeadDetailSerializer,
            "create": LeadInputSerializer,
            "update": LeadUpdateSerializer,
            "partial_update": LeadUpdateSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        data = self.validated(LeadInputSerializer)
        data["owner"] = data.get("owner") or request.user
        return self.answer(services.lead_create(**data, user=request.user), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        lead = self.get_object()
        changes = self.validated(LeadUpdateSerializer)
        return self.answer(services.lead_update(lead=lead, **changes, user=request.user))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.lead_delete(lead=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Qualify: the BANT answers (need required)", request=QualifySerializer, responses=LeadDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request, pk=None):
        lead = self.get_object()
        return self.answer(services.lead_qualify(lead=lead, **self.validated(QualifySerializer), user=request.user))

    @extend_schema(summary="Disqualify, with a reason", request=DisqualifySerializer, responses=LeadDetailSerializer)
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        lead = self.get_object()
        data = self.validated(DisqualifySerializer)
        return self.answer(services.lead_disqualify(lead=lead, reason=data["reason"], user=request.user))

    reopen = LEAD_COMMAND("reopen", services.lead_reopen, "Work a disqualified lead again")

    @extend_schema(
        summary="Convert into an account (existing or new), a contact and optionally an opportunity, all or nothing",
        request=ConvertSerializer,
        responses=LeadDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        data = self.validated(ConvertSerializer)
        if data.get("new_account") is not None and not request.user.has_perm("core.add_partner"):
            raise exceptions.PermissionDenied(_("Your role cannot make a new account: convert into an existing one."))
        services.lead_convert(
            lead=lead,
            account=data.get("account"),
            new_account=data.get("new_account"),
            create_opportunity=data["create_opportunity"],
            opportunity=data.get("opportunity"),
            user=request.user,
        )
        return self.answer(lead)


class DuplicateCheckViewSet(viewsets.GenericViewSet):
    """Who a company or person not entered yet may already be: partners, contacts and leads."""

    queryset = Lead.objects.none()  # reading it takes the leads' view permission
    serializer_class = DuplicatesSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Check for duplicates by company name, e-mail, VAT number and contact name",
        parameters=[DuplicateCheckSerializer],
        responses=DuplicatesSerializer,
    )
    def list(self, request):
        serializer = DuplicateCheckSerializer(data=request.query_params.dict())
        serializer.is_valid(raise_exception=True)
        candidates = duplicate_candidates(query=DuplicateQuery(**serializer.validated_data))
        return Response(duplicates_answer(candidates))


def register(router) -> None:
    """Add this area's viewsets to the CRM router."""
    router.register("leads", LeadViewSet, basename="lead")
    router.register("duplicates", DuplicateCheckViewSet, basename="duplicates")
