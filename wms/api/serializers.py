"""WMS resources in the API. Items, locations, lots, warehouses and partners are referenced by their code.

Stock changes only through wms.services: the move and request endpoints validate input here and the
views call the services, so the API keeps exactly the rules the screens do.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import FullCleanSerializer, by_code
from core.models import Item, Partner, Site
from wms.choices import RequestKind
from wms.models import Location, Lot, Quant, Reservation, StockMove, StockRequest, StockRequestLine, Warehouse
from wms.services.locations import location_check

QUANTITY = {"max_digits": 18, "decimal_places": 6}


def _item_by_code() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=Item.objects.select_related("uom"))


def _code(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", read_only=True, **kwargs)


class StrictInputMixin:
    # Refuses fields the endpoint does not write instead of dropping them silently (as PLM's API does).

    IGNORED = frozenset({"csrfmiddlewaretoken"})

    def to_internal_value(self, data):
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(getattr(data, "keys", dict)()) - writable - self.IGNORED)
        if unknown:
            raise serializers.ValidationError(
                {
                    name: serializers.ErrorDetail(_("This field cannot be written here."), code="read_only")
                    for name in unknown
                }
            )
        return super().to_internal_value(data)


# --- Master data ------------------------------------------------------------------------------------------


def _place() -> serializers.SlugRelatedField:
    return by_code(Location, required=False, allow_null=True)


class WarehouseSerializer(StrictInputMixin, FullCleanSerializer):
    site = by_code(Site, required=False, allow_null=True)
    stock_location = _place()
    receiving_location = _place()
    quality_location = _place()
    output_location = _place()

    class Meta:
        model = Warehouse
        fields = (
            "id",
            "code",
            "name",
            "site",
            "stock_location",
            "receiving_location",
            "quality_location",
            "output_location",
        )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for name in ("stock_location", "receiving_location", "quality_location", "output_location"):
            location = attrs.get(name)
            if location is not None and (self.instance is None or location.warehouse_id != self.instance.pk):
                raise serializers.ValidationError(
                    {name: _("%(location)s is not a location of this warehouse.") % {"location": location.code}},
                    code="other_warehouse",
                )
        return attrs


class LocationSerializer(StrictInputMixin, FullCleanSerializer):
    warehouse = by_code(Warehouse, required=False, allow_null=True)
    parent = by_code(Location, required=False, allow_null=True)

    class Meta:
        model = Location
        fields = (
            "id",
            "code",
            "name",
            "kind",
            "warehouse",
            "parent",
            "pick_sequence",
            "capacity_qty",
            "capacity_kg",
            "quality_hold",
            "active",
        )

    def validate(self, attrs):
        attrs = super().validate(attrs)  # the instance now holds the new values
        instance = self.instance or Location(**attrs)
        location_check(location=instance)
        return attrs


class LotSerializer(StrictInputMixin, FullCleanSerializer):
    item = by_code(Item, help_text=_("Set when the lot is created; a lot never changes its item."))

    class Meta:
        model = Lot
        fields = ("id", "item", "code", "expiry_date", "supplier_lot")

    def validate_item(self, item):
        if self.instance is not None and item.pk != self.instance.item_id:
            raise serializers.ValidationError(_("A lot never changes its item."), code="read_only")
        return item


# --- Stock and the ledger ------------------------------------------------------------------------------------


class QuantSerializer(serializers.ModelSerializer):
    item = _code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    warehouse = serializers.CharField(source="location.warehouse.code", read_only=True)
    location = _code()
    lot = _code()
    available = serializers.DecimalField(
        **QUANTITY,
        read_only=True,
        help_text=_("On hand less reserved; see quality_hold: such stock is not available yet."),
    )
    quality_hold = serializers.BooleanField(source="location.quality_hold", read_only=True)

    class Meta:
        model = Quant
        fields = (
            "id",
            "item",
            "item_name",
            "unit",
            "warehouse",
            "location",
            "lot",
            "quantity",
            "reserved",
            "available",
            "quality_hold",
            "in_date",
        )
        read_only_fields = fields


class StockMoveSerializer(serializers.ModelSerializer):
    item = _code()
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    lot = _code()
    from_location = _code()
    to_location = _code()
    moved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StockMove
        fields = (
            "id",
            "item",
            "unit",
            "lot",
            "quantity",
            "from_location",
            "to_location",
            "kind",
            "unit_cost",
            "reference",
            "note",
            "moved_by",
            "moved_at",
        )
        read_only_fields = fields


class TransferSerializer(StrictInputMixin, serializers.Serializer):
    """Move free stock from one bin to another."""

    item = _item_by_code()
    quantity = serializers.DecimalField(**QUANTITY)
    from_location = by_code(Location)
    to_location = by_code(Location)
    lot = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Lot or serial number, for tracked items.")
    )
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)

    def validate(self, attrs):
        code = attrs.pop("lot")
        attrs["lot"] = None
        if code:
            attrs["lot"] = Lot.objects.filter(item=attrs["item"], code=code).first()
            if attrs["lot"] is None:
                raise serializers.ValidationError(
                    {"lot": _("There is no lot %(lot)s of %(item)s.") % {"lot": code, "item": attrs["item"].code}},
                    code="does_not_exist",
                )
        return attrs


class AdjustSerializer(StrictInputMixin, serializers.Serializer):
    """Set on-hand of an item (and lot) in a bin to what was counted."""

    item = _item_by_code()
    location = by_code(Location)
    lot = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=Lot._meta.get_field("code").max_length,
        help_text=_("Lot or serial number, for tracked items; one not known yet is created (stock found)."),
    )
    counted = serializers.DecimalField(**QUANTITY, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class AdjustResultSerializer(serializers.Serializer):
    item = serializers.CharField()
    location = serializers.CharField()
    lot = serializers.CharField(allow_null=True)
    counted = serializers.DecimalField(**QUANTITY)
    move = StockMoveSerializer(allow_null=True, help_text=_("The adjustment posted; null when the count matched."))


# --- Stock requests -----------------------------------------------------------------------------------------


class ReservationSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="line.item.code", read_only=True)
    location = serializers.CharField(source="quant.location.code", read_only=True)
    lot = serializers.CharField(source="quant.lot.code", read_only=True, allow_null=True)

    class Meta:
        model = Reservation
        fields = ("id", "line", "item", "location", "lot", "quantity")
        read_only_fields = fields


class StockRequestLineSerializer(serializers.ModelSerializer):
    item = _item_by_code()
    lot = serializers.CharField(
        source="lot.code", required=False, allow_null=True, help_text=_("Ask for one lot or serial number only.")
    )
    reserved = serializers.DecimalField(**QUANTITY, read_only=True, source="held")

    class Meta:
        model = StockRequestLine
        fields = ("id", "item", "lot", "quantity", "delivered", "reserved")
        read_only_fields = ("id", "delivered", "reserved")
        extra_kwargs = {"quantity": {"min_value": Decimal("0.000001")}}


REQUEST_FIELDS = (
    "id",
    "number",
    "kind",
    "reference",
    "warehouse",
    "destination",
    "partner",
    "needed_on",
    "state",
    "created_at",
    "updated_at",
)


class StockRequestSerializer(serializers.ModelSerializer):
    warehouse = _code()
    destination = _code()
    partner = _code()

    class Meta:
        model = StockRequest
        fields = REQUEST_FIELDS
        read_only_fields = REQUEST_FIELDS


class StockRequestDetailSerializer(StockRequestSerializer):
    lines = StockRequestLineSerializer(many=True, read_only=True)
    reservations = serializers.SerializerMethodField()

    class Meta(StockRequestSerializer.Meta):
        fields = (*REQUEST_FIELDS, "lines", "reservations")

    def get_reservations(self, stock_request) -> list[dict]:
        reservations = [r for line in stock_request.lines.all() for r in line.reservations.all()]
        return ReservationSerializer(reservations, many=True).data


class StockRequestCreateSerializer(StrictInputMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    warehouse = by_code(Warehouse)
    destination = by_code(
        Location,
        required=False,
        allow_null=True,
        help_text=_("Default: VIRTUAL/CUSTOMERS for a shipment, VIRTUAL/PRODUCTION for a material request."),
    )
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    partner = by_code(Partner, required=False, allow_null=True)
    needed_on = serializers.DateField(required=False, allow_null=True)
    lines = StockRequestLineSerializer(many=True)

    def validate_lines(self, lines):
        if not lines:
            raise serializers.ValidationError(_("Ask for at least one item."), code="required")
        problems = []
        for line in lines:
            code = (line.get("lot") or {}).get("code")
            line["lot"] = None
            if code:
                line["lot"] = Lot.objects.filter(item=line["item"], code=code).first()
            if code and line["lot"] is None:
                message = _("There is no lot %(lot)s of %(item)s.") % {"lot": code, "item": line["item"].code}
                problems.append({"lot": [serializers.ErrorDetail(message, code="does_not_exist")]})
            else:
                problems.append({})
        if any(problems):
            raise serializers.ValidationError(problems)  # one entry per line, as DRF reports nested lists
        return lines


# --- An item's stock ----------------------------------------------------------------------------------------


class StockTotalsSerializer(serializers.Serializer):
    on_hand = serializers.DecimalField(**QUANTITY, help_text=_("Everything physically in stock, quality hold too."))
    reserved = serializers.DecimalField(**QUANTITY)
    quality_hold = serializers.DecimalField(**QUANTITY, help_text=_("Free stock waiting for inspection."))
    available = serializers.DecimalField(**QUANTITY, help_text=_("What a new demand can still have."))


class WarehouseStockSerializer(StockTotalsSerializer):
    warehouse = serializers.CharField()


class LocationStockSerializer(serializers.Serializer):
    warehouse = serializers.CharField(source="location.warehouse.code")
    location = serializers.CharField(source="location.code")
    lot = serializers.CharField(source="lot.code", allow_null=True)
    expiry_date = serializers.DateField(source="lot.expiry_date", allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY)
    reserved = serializers.DecimalField(**QUANTITY)
    available = serializers.DecimalField(**QUANTITY, source="free")
    quality_hold = serializers.BooleanField(source="location.quality_hold")


class ItemStockSerializer(StockTotalsSerializer):
    item = serializers.CharField()
    unit = serializers.CharField()
    warehouses = WarehouseStockSerializer(many=True)
    locations = LocationStockSerializer(many=True)


class WarehouseQuerySerializer(serializers.Serializer):
    warehouse = by_code(Warehouse, required=False, allow_null=True, help_text=_("Only this warehouse."))
