"""The supplier master in the API: supplier items with their price breaks (the approved vendor list; approval
and preference by command), certificates (added, corrected, renewed, removed; a required one blocks
purchasing once expired), and the sources lookup: where to buy a quantity of an item on a day. Views are
thin: each write is one service call, whose refusals the exception handler turns into 400s naming field,
code and reason."""

from decimal import Decimal

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Currency, Item, Partner
from srm.filtersets.suppliers import CertificateFilterSet, SupplierItemFilterSet
from srm.models import Approval, Certificate, CertificateKind, SupplierItem, SupplierPrice
from srm.selectors.sources import choose_source, sources_for_items
from srm.selectors.suppliers import certificate_status
from srm.services import suppliers as services

QUANTITY = {"max_digits": 18, "decimal_places": 6}
MANAGE_ITEMS = ["srm.change_supplieritem"]
MANAGE_CERTIFICATES = ["srm.change_certificate"]


# --- Supplier items and their prices ------------------------------------------------------------------------


class SupplierPriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierPrice
        fields = ("id", "supplier_item", "min_quantity", "unit_price", "valid_from", "valid_to")
        read_only_fields = fields


class SupplierItemSerializer(serializers.ModelSerializer):
    supplier = shown_by_code()
    item = shown_by_code()
    currency = shown_by_code()
    approval_changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    prices = SupplierPriceSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierItem
        fields = (
            "id",
            "supplier",
            "item",
            "supplier_part_number",
            "approval",
            "approval_changed_at",
            "approval_changed_by",
            "preferred",
            "lead_time_days",
            "min_order_qty",
            "order_multiple",
            "currency",
            "notes",
            "active",
            "prices",
        )
        read_only_fields = fields


class SupplierItemTermsSerializer(StrictInputMixin, serializers.Serializer):
    supplier_part_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lead_time_days = serializers.IntegerField(min_value=0, required=False)
    min_order_qty = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), required=False)
    order_multiple = serializers.DecimalField(
        **QUANTITY, min_value=Decimal(0), required=False, help_text=_("0 for any quantity.")
    )
    currency = by_code(Currency, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class SupplierItemCreateSerializer(SupplierItemTermsSerializer):
    supplier = by_code(Partner)
    item = by_code(Item)
    approval = serializers.ChoiceField(choices=Approval.choices, default=Approval.PENDING)
    preferred = serializers.BooleanField(default=False, help_text=_("Approved sources only."))
    currency = by_code(Currency, required=False, help_text=_("Default: the supplier's, else the company's."))
    lead_time_days = serializers.IntegerField(min_value=0, required=False, help_text=_("Default: the supplier's."))


class ApprovalSerializer(StrictInputMixin, serializers.Serializer):
    approval = serializers.ChoiceField(choices=Approval.choices)


class SupplierPriceInputSerializer(StrictInputMixin, serializers.Serializer):
    min_quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), default=Decimal(0))
    unit_price = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), help_text=_("In the source's currency."))
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)


class SupplierPriceCreateSerializer(SupplierPriceInputSerializer):
    supplier_item = serializers.PrimaryKeyRelatedField(queryset=SupplierItem.objects.all())


def supplier_items():
    prices = SupplierPrice.objects.order_by("min_quantity", "valid_from")
    return SupplierItem.objects.select_related("supplier", "item", "currency", "approval_changed_by").prefetch_related(
        Prefetch("prices", queryset=prices)
    )


SUPPLIER_ITEM_COMMAND = command_actions(record="supplier_item", responses=SupplierItemSerializer)


@extend_schema_view(
    list=extend_schema(summary="Supplier items: who supplies which item, our approval, terms and price breaks"),
    retrieve=extend_schema(summary="A supplier item with its price breaks"),
    create=extend_schema(
        summary="Add an item to what a supplier delivers (supplier, item and currency by code)",
        request=SupplierItemCreateSerializer,
        responses={201: SupplierItemSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a supplier item's terms; approval and preference change by their commands",
        request=SupplierItemTermsSerializer,
        responses=SupplierItemSerializer,
    ),
    destroy=extend_schema(summary="Take the item off what the supplier delivers, with its prices"),
)
class SupplierItemViewSet(
    ServiceWritesMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = supplier_items().order_by("item__code", "supplier__code")
    serializer_class = detail_serializer_class = SupplierItemSerializer
    filterset_class = SupplierItemFilterSet
    ordering_fields = ("item__code", "supplier__code", "approval", "lead_time_days")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {"approval": MANAGE_ITEMS, "prefer": MANAGE_ITEMS}

    def create(self, request, *args, **kwargs):
        data = self.validated(SupplierItemCreateSerializer)
        return self.answer(services.supplier_item_set(**data, user=request.user), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        supplier_item = self.get_object()
        data = self.validated(SupplierItemTermsSerializer)
        return self.answer(services.supplier_item_update(supplier_item=supplier_item, user=request.user, **data))

    def perform_destroy(self, instance):
        services.supplier_item_remove(supplier_item=instance, user=self.request.user)

    @extend_schema(
        summary="Approve, conditionally approve, suspend (pending) or disqualify the supplier for the item",
        request=ApprovalSerializer,
        responses=SupplierItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def approval(self, request, pk=None):
        supplier_item = self.get_object()
        data = self.validated(ApprovalSerializer)
        return self.answer(services.supplier_item_approval_set(supplier_item=supplier_item, user=request.user, **data))

    prefer = SUPPLIER_ITEM_COMMAND(
        "prefer", services.supplier_item_prefer, "Make this approved source the item's preferred one"
    )


@extend_schema_view(
    list=extend_schema(summary="Price breaks of supplier items (filter by supplier_item)"),
    retrieve=extend_schema(summary="A price break"),
    create=extend_schema(
        summary="Add a price break; refused when the same break has a price in an overlapping period",
        request=SupplierPriceCreateSerializer,
        responses={201: SupplierPriceSerializer},
    ),
    update=extend_schema(
        summary="Change a price break", request=SupplierPriceInputSerializer, responses=SupplierPriceSerializer
    ),
    destroy=extend_schema(summary="Remove a price break"),
)
class SupplierPriceViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    queryset = SupplierPrice.objects.order_by("supplier_item", "min_quantity", "valid_from")
    serializer_class = detail_serializer_class = SupplierPriceSerializer
    filterset_fields = ("supplier_item",)
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        data = self.validated(SupplierPriceCreateSerializer)
        return self.answer(services.supplier_price_set(**data, user=request.user), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        price = self.get_object()
        data = self.validated(SupplierPriceInputSerializer)
        return self.answer(services.supplier_price_update(price=price, user=request.user, **data))

    def perform_destroy(self, instance):
        services.supplier_price_remove(price=instance, user=self.request.user)


# --- Certificates ---------------------------------------------------------------------------------------------


class CertificateSerializer(serializers.ModelSerializer):
    supplier = shown_by_code()
    status = serializers.SerializerMethodField(help_text=_("valid, expiring, expired or not_yet, as of today."))
    document = serializers.SerializerMethodField(help_text=_("Where to download the document; null without one."))

    class Meta:
        model = Certificate
        fields = (
            "id",
            "supplier",
            "kind",
            "number",
            "issued_by",
            "valid_from",
            "valid_to",
            "status",
            "blocks_purchasing",
            "document",
            "notes",
        )
        read_only_fields = fields

    def get_status(self, certificate: Certificate) -> str:
        return certificate_status(certificate, timezone.localdate())

    def get_document(self, certificate: Certificate) -> str | None:
        if not certificate.document:
            return None
        url = reverse("srm:certificate_document", args=[certificate.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CertificateDetailsSerializer(StrictInputMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=CertificateKind.choices, required=False)
    number = serializers.CharField(max_length=100, required=False)
    issued_by = serializers.CharField(max_length=200, required=False, allow_blank=True)
    blocks_purchasing = serializers.BooleanField(
        required=False, help_text=_("Required: purchasing from the supplier is blocked once it expires.")
    )
    document = serializers.FileField(required=False, write_only=True, help_text=_("Sent as multipart form data."))
    notes = serializers.CharField(required=False, allow_blank=True)


class CertificateCreateSerializer(CertificateDetailsSerializer):
    supplier = by_code(Partner)
    kind = serializers.ChoiceField(choices=CertificateKind.choices)
    number = serializers.CharField(max_length=100)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(help_text=_("The last day it is valid."))


class CertificateRenewSerializer(StrictInputMixin, serializers.Serializer):
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(help_text=_("Later than the current expiry."))
    number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    document = serializers.FileField(required=False, write_only=True)


@extend_schema_view(
    list=extend_schema(summary="Supplier certificates with their status as of today"),
    retrieve=extend_schema(summary="A supplier certificate"),
    create=extend_schema(
        summary="Record a supplier's certificate; a required one blocks purchasing from the day after it expires",
        request=CertificateCreateSerializer,
        responses={201: CertificateSerializer},
    ),
    partial_update=extend_schema(
        summary="Correct a certificate's details (its validity changes by renewal)",
        request=CertificateDetailsSerializer,
        responses=CertificateSerializer,
    ),
    destroy=extend_schema(summary="Remove a certificate; the purchasing block it set is lifted"),
)
class CertificateViewSet(
    ServiceWritesMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = Certificate.objects.select_related("supplier").order_by("valid_to", "pk")
    serializer_class = detail_serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet
    ordering_fields = ("valid_to", "valid_from", "supplier__code", "kind")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {"renew": MANAGE_CERTIFICATES}

    def create(self, request, *args, **kwargs):
        data = self.validated(CertificateCreateSerializer)
        return self.answer(services.certificate_add(**data, user=request.user), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        certificate = self.get_object()
        data = self.validated(CertificateDetailsSerializer)
        return self.answer(services.certificate_update(certificate=certificate, user=request.user, **data))

    def perform_destroy(self, instance):
        services.certificate_remove(certificate=instance, user=self.request.user)

    @extend_schema(
        summary="The renewed certificate: a new validity, number and document; lifts the block of the old expiry",
        request=CertificateRenewSerializer,
        responses=CertificateSerializer,
    )
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        certificate = self.get_object()
        data = self.validated(CertificateRenewSerializer)
        return self.answer(services.certificate_renew(certificate=certificate, user=request.user, **data))


# --- Sources lookup -------------------------------------------------------------------------------------------


class SourceQuerySerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.000001"))
    on = serializers.DateField(required=False, help_text=_("Default: today."))


class SourceSerializer(serializers.Serializer):
    supplier_item = serializers.IntegerField(source="supplier_item.pk")
    supplier = serializers.CharField(source="supplier_item.supplier.code")
    supplier_part_number = serializers.CharField(source="supplier_item.supplier_part_number")
    approval = serializers.ChoiceField(source="supplier_item.approval", choices=Approval.choices)
    preferred = serializers.BooleanField(source="supplier_item.preferred")
    order_quantity = serializers.DecimalField(
        **QUANTITY, help_text=_("What would be ordered: the quantity raised to the minimum, in whole multiples.")
    )
    unit_price = serializers.DecimalField(
        **QUANTITY, allow_null=True, help_text=_("The break for the order quantity; null when none applies.")
    )
    currency = serializers.CharField(source="supplier_item.currency.code")
    lead_time_days = serializers.IntegerField(source="supplier_item.lead_time_days")
    min_order_qty = serializers.DecimalField(**QUANTITY, source="supplier_item.min_order_qty")
    order_multiple = serializers.DecimalField(**QUANTITY, source="supplier_item.order_multiple")


@extend_schema_serializer(many=False)  # one answer, though a viewset's `list` gives it
class SourcesAnswerSerializer(serializers.Serializer):
    item = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY)
    on = serializers.DateField()
    source = SourceSerializer(allow_null=True, help_text=_("The one to buy from; null when there is none."))
    sources = SourceSerializer(many=True, help_text=_("Every source that may be bought from that day."))


@extend_schema_view(
    list=extend_schema(
        summary="Where to buy a quantity of an item on a day: the preferred approved source of a supplier not "
        "blocked that day, else the cheapest approved at the quantity, conditional ones only without approved",
        parameters=[SourceQuerySerializer],
        responses=SourcesAnswerSerializer,
    )
)
class SourcesViewSet(viewsets.GenericViewSet):
    # Whoever reads the approved vendor list may ask it.
    queryset = SupplierItem.objects.none()
    serializer_class = SourcesAnswerSerializer
    pagination_class = None
    filter_backends = []

    def list(self, request):
        query = SourceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        item, quantity = query.validated_data["item"], query.validated_data["quantity"]
        on = query.validated_data.get("on") or timezone.localdate()
        options = sources_for_items([item], on).get(item.pk, [])
        chosen = choose_source(options, quantity)

        def shown(option):
            order_quantity = option.order_quantity(quantity)
            return {
                "supplier_item": option.supplier_item,
                "order_quantity": order_quantity,
                "unit_price": option.unit_price(order_quantity),
            }

        answer = {
            "item": item.code,
            "quantity": quantity,
            "on": on,
            "source": shown(chosen) if chosen else None,
            "sources": [shown(option) for option in options],
        }
        return Response(SourcesAnswerSerializer(answer).data)


def register(router) -> None:
    """Add this area's viewsets to the SRM router."""
    router.register("supplier-items", SupplierItemViewSet)
    router.register("supplier-prices", SupplierPriceViewSet)
    router.register("certificates", CertificateViewSet)
    router.register("sources", SourcesViewSet, basename="sources")
