"""The staff side of what suppliers send through the portal: their ASNs (for buyers and the warehouse, who
receive against them) and their order confirmations with the quantities and dates they promised. Read
only: suppliers write them through /api/v1/srm/portal/."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from core.api.serializers import shown_by_code
from srm.filtersets.portal import AsnFilterSet
from srm.models import Asn, AsnLine, PoConfirmation, PoConfirmationLine


class AsnLineSerializer(serializers.ModelSerializer):
    po_line = serializers.CharField(source="po_line.reference", read_only=True)
    item = serializers.CharField(source="po_line.item.code", read_only=True)

    class Meta:
        model = AsnLine
        fields = ("po_line", "item", "quantity", "lot_code", "expiry_date")
        read_only_fields = fields


class AsnSerializer(serializers.ModelSerializer):
    supplier = shown_by_code()
    purchase_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    receipt = serializers.CharField(source="purchase_order.receipt.number", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    lines = AsnLineSerializer(many=True, read_only=True)

    class Meta:
        model = Asn
        fields = (
            "id",
            "number",
            "asn_number",
            "supplier",
            "purchase_order",
            "receipt",
            "ship_date",
            "expected_date",
            "carrier",
            "tracking",
            "created_by",
            "created_at",
            "lines",
        )
        read_only_fields = fields


class PoConfirmationLineSerializer(serializers.ModelSerializer):
    po_line = serializers.CharField(source="po_line.reference", read_only=True)
    item = serializers.CharField(source="po_line.item.code", read_only=True)
    ordered_qty = serializers.DecimalField(source="po_line.quantity", max_digits=18, decimal_places=6, read_only=True)

    class Meta:
        model = PoConfirmationLine
        fields = ("po_line", "item", "ordered_qty", "requested_date", "confirmed_date", "confirmed_quantity")
        read_only_fields = fields


class PoConfirmationSerializer(serializers.ModelSerializer):
    purchase_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    supplier = serializers.CharField(source="purchase_order.supplier.code", read_only=True)
    confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    lines = PoConfirmationLineSerializer(many=True, read_only=True)

    class Meta:
        model = PoConfirmation
        fields = (
            "id",
            "purchase_order",
            "supplier",
            "supplier_reference",
            "note",
            "confirmed_at",
            "confirmed_by",
            "lines",
        )
        read_only_fields = fields


def asns():
    lines = AsnLine.objects.select_related("po_line__order", "po_line__item").order_by("po_line__position", "pk")
    return Asn.objects.select_related("supplier", "purchase_order__receipt", "created_by").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


@extend_schema_view(
    list=extend_schema(summary="Suppliers' advance shipping notices, newest first"),
    retrieve=extend_schema(summary="An ASN with its lines (order line, quantity, lot) and the receipt it feeds"),
)
class AsnViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = asns().order_by("-number")
    serializer_class = AsnSerializer
    filterset_class = AsnFilterSet
    ordering_fields = ["number", "ship_date", "expected_date", "supplier__code"]


@extend_schema_view(
    list=extend_schema(summary="Suppliers' confirmations of purchase orders, newest first"),
    retrieve=extend_schema(
        summary="A confirmation: the supplier's reference, and per line the promised date and quantity"
    ),
)
class PoConfirmationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = (
        PoConfirmation.objects.select_related("purchase_order__supplier", "confirmed_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PoConfirmationLine.objects.select_related("po_line__order", "po_line__item").order_by(
                    "po_line__position"
                ),
            )
        )
        .order_by("-confirmed_at")
    )
    serializer_class = PoConfirmationSerializer
    filterset_fields = {"purchase_order__number": ["exact"], "purchase_order__supplier__code": ["exact"]}
    ordering_fields = ["confirmed_at"]


def register(router) -> None:
    """Add the staff's ASN and confirmation viewsets to the SRM router."""
    router.register("asns", AsnViewSet)
    router.register("po-confirmations", PoConfirmationViewSet)
