"""The accounts API: customer accounts read with their contacts, addresses, terms and credit (and their
activity timeline), contacts created and changed, and activities logged, planned as tasks, changed and
completed (accounts by code, leads and opportunities by number, users by username).

Views are thin: each write is one service call, whose refusals the exception handler turns into 400s naming
field, code and reason.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission

from core.api.concurrency import IfMatchPrecondition
from core.api.permissions import TokenScopePermission
from core.api.serializers import StrictInputMixin, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Contact, Partner, PartnerAddress
from crm.filtersets.accounts import AccountFilterSet, ActivityFilterSet, ContactFilterSet
from crm.models import Activity, ActivityKind, Lead, Opportunity
from crm.selectors.accounts import CUSTOMER_KINDS, WHEN, account_credit, account_timeline, accounts_listed
from crm.services import accounts as account_services
from crm.services import activities as activity_services

MONEY = {"max_digits": 18, "decimal_places": 2}
CRM_READERS = ["crm.view_activity"]
ACTIVITY_MANAGERS = ["crm.change_activity"]


def _customers():
    return Partner.objects.filter(kind__in=CUSTOMER_KINDS)


def account_by_code(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=_customers(), **kwargs)


def username_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), **kwargs
    )


class CrmReader(BasePermission):
    """Accounts are CRM's view of the customer partners: CRM's roles read them, as on the screens."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perms(CRM_READERS))


# --- Contacts --------------------------------------------------------------------------------------------------

CONTACT_FIELDS = (
    "id",
    "account",
    "account_name",
    "name",
    "job_title",
    "email",
    "phone",
    "is_primary",
    "active",
    "notes",
)


class ContactSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(source="partner", slug_field="code", read_only=True)
    account_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        read_only_fields = CONTACT_FIELDS


class ContactCreateSerializer(StrictInputMixin, serializers.Serializer):
    account = account_by_code()
    name = serializers.CharField(max_length=200)
    job_title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    is_primary = serializers.BooleanField(required=False, default=False, help_text=_("The account's first is."))
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ContactUpdateSerializer(StrictInputMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    job_title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    is_primary = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False, help_text=_("False: left the company."))
    notes = serializers.CharField(required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary="Contacts of customer accounts; filters account, is_primary, active, q"),
    retrieve=extend_schema(summary="A contact"),
    create=extend_schema(
        summary="A contact at a customer account (its first is the primary one)",
        request=ContactCreateSerializer,
        responses={201: ContactSerializer},
    ),
    update=extend_schema(summary="Change a contact", request=ContactUpdateSerializer),
    partial_update=extend_schema(summary="Change a contact", request=ContactUpdateSerializer),
)
class ContactViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    """A contact who left is made inactive, not deleted: the activities with them keep their name."""

    queryset = (
        Contact.objects.filter(partner__kind__in=CUSTOMER_KINDS)
        .select_related("partner")
        .order_by("partner__code", "-is_primary", "name")
    )
    serializer_class = ContactSerializer
    detail_serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    ordering_fields = ["name", "email", "partner__code"]

    def get_serializer_class(self):
        return {
            "create": ContactCreateSerializer,
            "update": ContactUpdateSerializer,
            "partial_update": ContactUpdateSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        contact = account_services.contact_create(**self.validated(ContactCreateSerializer), user=request.user)
        return self.answer(contact, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        contact = self.get_object()
        return self.answer(account_services.contact_update(contact=contact, **self.validated(ContactUpdateSerializer)))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)


# --- Accounts --------------------------------------------------------------------------------------------------


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerAddress
        fields = ("id", "kind", "name", "street", "city", "postal_code", "country", "is_default")
        read_only_fields = fields


class CreditSerializer(serializers.Serializer):
    limit = serializers.DecimalField(**MONEY, help_text=_("0: not checked."))
    receivables = serializers.DecimalField(**MONEY, help_text=_("Posted customer invoices not paid yet."))
    open_orders = serializers.DecimalField(**MONEY, help_text=_("Confirmed orders not invoiced yet, with tax."))
    exposure = serializers.DecimalField(**MONEY)
    available = serializers.DecimalField(**MONEY)
    currency = serializers.CharField(help_text=_("The company currency all of these are in."))


ACCOUNT_FIELDS = (
    "id",
    "code",
    "name",
    "kind",
    "parent",
    "currency",
    "payment_terms_days",
    "credit_limit",
    "vat_number",
    "email",
    "phone",
    "street",
    "city",
    "postal_code",
    "country",
    "active",
    "contact_count",
    "open_order_count",
)


class CustomerAccountSerializer(serializers.ModelSerializer):
    parent = shown_by_code()
    currency = shown_by_code()
    contact_count = serializers.IntegerField(read_only=True, help_text=_("Active contacts."))
    open_order_count = serializers.IntegerField(read_only=True, help_text=_("Sales orders not closed or cancelled."))

    class Meta:
        model = Partner
        fields = ACCOUNT_FIELDS
        read_only_fields = ACCOUNT_FIELDS


class CustomerAccountDetailSerializer(CustomerAccountSerializer):
    children = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text=_("The accounts this one is the parent of.")
    )
    price_lists = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text=_("The account's own price lists.")
    )
    contacts = ContactSerializer(many=True, read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)
    credit = serializers.SerializerMethodField()

    class Meta(CustomerAccountSerializer.Meta):
        fields = (*ACCOUNT_FIELDS, "children", "price_lists", "contacts", "addresses", "credit")
        read_only_fields = fields

    @extend_schema_field(CreditSerializer)
    def get_credit(self, account) -> dict[str, Any]:
        credit = account_credit(account=account)
        return CreditSerializer(
            {
                "limit": credit.limit,
                "receivables": credit.exposure.receivables,
                "open_orders": credit.exposure.open_orders,
                "exposure": credit.exposure.total,
                "available": credit.available,
                "currency": credit.currency_code,
            }
        ).data


# --- Activities ------------------------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "id",
    "kind",
    "subject",
    "notes",
    "account",
    "lead",
    "opportunity",
    "contact",
    "contact_name",
    "owner",
    "occurred_at",
    "due_at",
    "done_at",
    "when",
    "overdue",
    "created_by",
    "created_at",
)


class ActivitySerializer(serializers.ModelSerializer):
    account = shown_by_code()
    lead = serializers.SlugRelatedField(slug_field="number", read_only=True)
    opportunity = serializers.SlugRelatedField(slug_field="number", read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True, default=None)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    when = serializers.DateTimeField(
        source="when_at", read_only=True, help_text=_("Its place on a timeline: happened, done or due.")
    )
    overdue = serializers.SerializerMethodField(help_text=_("An open task past its due time."))

    class Meta:
        model = Activity
        fields = ACTIVITY_FIELDS
        read_only_fields = ACTIVITY_FIELDS

    def get_overdue(self, activity) -> bool:
        return activity.is_open_task and activity.due_at < timezone.now()


class ActivityCreateSerializer(StrictInputMixin, serializers.Serializer):
    """A call, meeting, e-mail or note logged (occurred_at, default now), or a task planned (due_at, owner)."""

    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    subject = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    account = account_by_code(required=False, allow_null=True)
    lead = serializers.SlugRelatedField(
        slug_field="number", queryset=Lead.objects.all(), required=False, allow_null=True
    )
    opportunity = serializers.SlugRelatedField(
        slug_field="number", queryset=Opportunity.objects.all(), required=False, allow_null=True
    )
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    owner = username_field(required=False, allow_null=True, help_text=_("Default: the caller."))
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("Logged kinds; default now."))
    due_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("Tasks: required."))

    def validate(self, attrs):
        is_task = attrs["kind"] == ActivityKind.TASK
        misplaced = "occurred_at" if is_task else "due_at"
        if attrs.get(misplaced) is not None:
            message = _("A task is due, it has no time it happened.") if is_task else _("Only a task has a due date.")
            raise serializers.ValidationError({misplaced: serializers.ErrorDetail(message, code="wrong_kind")})
        return attrs


class ActivityUpdateSerializer(StrictInputMixin, serializers.Serializer):
    subject = serializers.CharField(max_length=200, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False)
    due_at = serializers.DateTimeField(required=False)
    owner = username_field(required=False, allow_null=True)
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)


def activities_listed():
    return Activity.objects.select_related("account", "lead", "opportunity", "contact", "owner", "created_by").annotate(
        when_at=WHEN
    )


ACTIVITY_COMMAND = command_actions(record="task", responses=ActivitySerializer)


@extend_schema_view(
    list=extend_schema(
        summary="Activities, newest first; filters kind, owner, account, lead, opportunity, open_tasks, overdue"
    ),
    retrieve=extend_schema(summary="An activity"),
    create=extend_schema(
        summary="Log a call, meeting, e-mail or note, or plan a task (kind task: due_at and owner)",
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer},
    ),
    update=extend_schema(summary="Change an activity", request=ActivityUpdateSerializer, responses=ActivitySerializer),
    partial_update=extend_schema(
        summary="Change an activity", request=ActivityUpdateSerializer, responses=ActivitySerializer
    ),
)
class ActivityViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    """Activities are the history of accounts, leads and opportunities: changed, never deleted."""

    queryset = activities_listed().order_by("-when_at", "-pk")
    serializer_class = ActivitySerializer
    detail_serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet
    ordering_fields = ["when_at", "occurred_at", "due_at", "done_at", "created_at"]
    action_permissions = {"complete": ACTIVITY_MANAGERS}

    def get_serializer_class(self):
        return {
            "create": ActivityCreateSerializer,
            "update": ActivityUpdateSerializer,
            "partial_update": ActivityUpdateSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        data = self.validated(ActivityCreateSerializer)
        data["owner"] = data.get("owner") or request.user
        kind = data.pop("kind")
        if kind == ActivityKind.TASK:
            data.pop("occurred_at", None)
            activity = activity_services.task_create(**data, user=request.user)
        else:
            data.pop("due_at", None)
            activity = activity_services.activity_log(kind=kind, **data, user=request.user)
        return self.answer(activity, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        activity = self.get_object()
        changes = self.validated(ActivityUpdateSerializer)
        return self.answer(activity_services.activity_update(activity=activity, **changes))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    complete = ACTIVITY_COMMAND("complete", activity_services.task_complete, "Mark a task done, now")


@extend_schema_view(
    list=extend_schema(summary="Customer accounts; filters kind, country, currency, parent, active, q"),
    retrieve=extend_schema(summary="An account with its contacts, addresses, child accounts, price lists and credit"),
)
class CustomerAccountViewSet(viewsets.ReadOnlyModelViewSet):
    """Customer partners as CRM sees them; their master data is written at /api/v1/core/partners/."""

    queryset = accounts_listed().order_by("code")
    serializer_class = CustomerAccountSerializer
    filterset_class = AccountFilterSet
    permission_classes = [CrmReader, IfMatchPrecondition, TokenScopePermission]
    ordering_fields = ["code", "name", "city", "country", "credit_limit", "open_order_count"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset
        return queryset.prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.select_related("partner").order_by("-is_primary", "name")),
            Prefetch("addresses", queryset=PartnerAddress.objects.order_by("kind", "-is_default", "name")),
            "children",
            "price_lists",
        )

    def get_serializer_class(self):
        return CustomerAccountDetailSerializer if self.action == "retrieve" else CustomerAccountSerializer

    @extend_schema(summary="The account's activity timeline, newest first", responses=ActivitySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        activities = account_timeline(account=self.get_object()).select_related("created_by")
        page = self.paginate_queryset(activities)
        serializer = ActivitySerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)


def register(router) -> None:
    """Add this area's viewsets to the CRM router."""
    router.register("accounts", CustomerAccountViewSet, basename="account")
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("activities", ActivityViewSet, basename="activity")
