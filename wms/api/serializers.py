"""WMS resources in the API. Items, locations, lots, warehouses and partners are referenced by their code.

Stock changes only through wms.services: the move and request endpoints validate input here and the
views call the services, so the API keeps exactly the rules the screens do.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.models import Item, Partner, Site
from wms.choices import RequestKind
from wms.models import (
    CountState,
    CycleCount,
    CycleCountLine,
    Location,
    Lot,
    Package,
    PickLine,
    PickList,
    Quant,
    Receipt,
    ReceiptLine,
    ReplenishmentRule,
    Reservation,
    Shipment,
    StockMove,
    StockPolicy,
    StockRequest,
    StockRequestLine,
    StockTask,
    Warehouse,
    Wave,
)
from wms.selectors.picking import wave_pick_path
from wms.services.cycle_counts import beyond_tolerance
from wms.services.locations import location_check

QUANTITY = {"max_digits": 18, "decimal_places": 6}


def _item_by_code() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=Item.objects.select_related("uom"))


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
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    warehouse = serializers.CharField(source="location.warehouse.code", read_only=True)
    location = shown_by_code()
    lot = shown_by_code()
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
    item = shown_by_code()
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    lot = shown_by_code()
    from_location = shown_by_code()
    to_location = shown_by_code()
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
    warehouse = shown_by_code()
    destination = shown_by_code()
    partner = shown_by_code()

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


# --- Receipts and quality hold ---------------------------------------------------------------------------------


def _username() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="username", read_only=True)


def lot_of(item: Item, code: str, field: str = "lot") -> Lot | None:
    """The lot of an item by its code; an unknown code is an error on `field`."""
    if not code:
        return None
    lot = Lot.objects.filter(item=item, code=code).first()
    if lot is None:
        raise serializers.ValidationError(
            {field: _("There is no lot %(lot)s of %(item)s.") % {"lot": code, "item": item.code}},
            code="does_not_exist",
        )
    return lot


def _lot_code(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=Lot._meta.get_field("code").max_length,
        help_text=kwargs.pop("help_text", _("Lot or serial number, for tracked items.")),
        **kwargs,
    )


class ReceiptLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    outstanding = serializers.DecimalField(
        **QUANTITY, read_only=True, help_text=_("Expected less received; never below zero.")
    )

    class Meta:
        model = ReceiptLine
        fields = (
            "id",
            "item",
            "unit",
            "expected_qty",
            "received_qty",
            "outstanding",
            "lot_code",
            "expiry_date",
            "unit_cost",
            "order_line_ref",
        )
        read_only_fields = fields


RECEIPT_FIELDS = (
    "id",
    "number",
    "warehouse",
    "supplier",
    "reference",
    "asn_number",
    "expected_on",
    "state",
    "lines",
    "created_at",
    "updated_at",
)


class ReceiptSerializer(serializers.ModelSerializer):
    warehouse = shown_by_code()
    supplier = shown_by_code()
    lines = ReceiptLineSerializer(many=True, read_only=True)

    class Meta:
        model = Receipt
        fields = RECEIPT_FIELDS
        read_only_fields = RECEIPT_FIELDS


class ReceiptLineInputSerializer(StrictInputMixin, serializers.Serializer):
    item = _item_by_code()
    expected_qty = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.000001"))
    lot_code = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64, help_text=_("The lot the supplier announces.")
    )
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)
    unit_cost = serializers.DecimalField(
        **QUANTITY, required=False, allow_null=True, default=None, min_value=Decimal(0), help_text=_("The order price.")
    )
    order_line_ref = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text=_("The purchase order line it fills.")
    )


class ReceiptCreateSerializer(StrictInputMixin, serializers.Serializer):
    """Goods announced by a supplier (an ASN) or expected on a purchase order."""

    warehouse = by_code(Warehouse)
    supplier = by_code(Partner)
    reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text=_("The purchase order.")
    )
    asn_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text=_("The supplier's ASN number.")
    )
    expected_on = serializers.DateField(required=False, allow_null=True, default=None)
    lines = ReceiptLineInputSerializer(many=True, allow_empty=False)


class ReceiveSerializer(StrictInputMixin, serializers.Serializer):
    line = serializers.IntegerField(help_text=_("The id of a line of this receipt."))
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.000001"))
    lot_code = _lot_code(help_text=_("For tracked items; default: the lot the line announced. Created if new."))
    expiry_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("Of a new lot; default: the line's.")
    )

    def validate_line(self, value):
        line = self.context["receipt"].lines.select_related("item").filter(pk=value).first()
        if line is None:
            raise serializers.ValidationError(_("There is no line %(line)s on this receipt.") % {"line": value})
        return line


STOCK_TASK_FIELDS = (
    "id",
    "purpose",
    "state",
    "warehouse",
    "item",
    "unit",
    "lot",
    "quantity",
    "from_location",
    "to_location",
    "receipt",
    "done_by",
    "move",
    "created_at",
    "updated_at",
)


class StockTaskSerializer(serializers.ModelSerializer):
    warehouse = shown_by_code()
    item = shown_by_code()
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    lot = shown_by_code()
    from_location = shown_by_code()
    to_location = shown_by_code(help_text=_("Null when no bin had room: the operator chooses one."))
    receipt = serializers.SlugRelatedField(slug_field="number", read_only=True)
    done_by = _username()

    class Meta:
        model = StockTask
        fields = STOCK_TASK_FIELDS
        read_only_fields = STOCK_TASK_FIELDS


class ReceiveResultSerializer(serializers.Serializer):
    line = ReceiptLineSerializer()
    quality_hold = serializers.BooleanField(help_text=_("The goods wait for inspection: no put-away yet."))
    tasks = StockTaskSerializer(many=True, help_text=_("The put-away tasks the receipt made."))


class TasksSerializer(serializers.Serializer):
    tasks = StockTaskSerializer(many=True)


class QualityDecisionSerializer(StrictInputMixin, serializers.Serializer):
    """Stock in a warehouse's quality-hold location: released to put-away, or rejected to scrap."""

    item = _item_by_code()
    warehouse = by_code(Warehouse)
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.000001"))
    lot = _lot_code()
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=255, help_text=_("Why it was rejected.")
    )

    def validate(self, attrs):
        warehouse = attrs["warehouse"]
        missing = [
            name for name in ("quality_location", "receiving_location") if getattr(warehouse, f"{name}_id") is None
        ]
        if missing:
            message = _("%(warehouse)s has no %(places)s.") % {
                "warehouse": warehouse.code,
                "places": str(_(" and no ")).join(
                    str(Warehouse._meta.get_field(name).verbose_name) for name in missing
                ),
            }
            raise serializers.ValidationError({"warehouse": message}, code="no_quality_location")
        attrs["lot"] = lot_of(attrs["item"], attrs["lot"])
        return attrs


class StockTaskConfirmSerializer(StrictInputMixin, serializers.Serializer):
    location = by_code(Location, help_text=_("The bin scanned."))
    quantity = serializers.DecimalField(
        **QUANTITY, required=False, allow_null=True, default=None, help_text=_("Default: the whole task.")
    )
    other_bin = serializers.BooleanField(
        required=False, default=False, help_text=_("Put it into another bin than the task's, on purpose.")
    )


class WarehouseInputSerializer(StrictInputMixin, serializers.Serializer):
    warehouse = by_code(Warehouse)


# --- Picking, packing, shipping -----------------------------------------------------------------------------------


PICK_LINE_FIELDS = (
    "id",
    "pick_list",
    "request_line",
    "item",
    "unit",
    "lot",
    "from_location",
    "quantity",
    "picked_qty",
    "short_qty",
    "open_qty",
    "short_reason",
    "picked_by",
)


class PickLineSerializer(serializers.ModelSerializer):
    pick_list = serializers.SlugRelatedField(slug_field="number", read_only=True)
    item = shown_by_code()
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    lot = shown_by_code()
    from_location = shown_by_code(help_text=_("The bin to pick from."))
    open_qty = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("Neither picked nor short yet."))
    picked_by = _username()

    class Meta:
        model = PickLine
        fields = PICK_LINE_FIELDS
        read_only_fields = PICK_LINE_FIELDS


PICK_LIST_FIELDS = ("id", "number", "request", "reference", "warehouse", "wave", "state", "lines", "created_at")


class PickListSerializer(serializers.ModelSerializer):
    request = serializers.SlugRelatedField(slug_field="number", read_only=True)
    reference = serializers.CharField(source="request.reference", read_only=True)
    warehouse = serializers.CharField(source="request.warehouse.code", read_only=True)
    wave = serializers.SlugRelatedField(slug_field="number", read_only=True)
    lines = PickLineSerializer(many=True, read_only=True, help_text=_("In walking order."))

    class Meta:
        model = PickList
        fields = PICK_LIST_FIELDS
        read_only_fields = PICK_LIST_FIELDS


def _request_by_number(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="number", queryset=StockRequest.objects.all(), **kwargs)


class PickListCreateSerializer(StrictInputMixin, serializers.Serializer):
    request = _request_by_number(help_text=_("The number of a reserved stock request, e.g. SR-2026-00012."))


WAVE_FIELDS = ("id", "number", "warehouse", "pick_lists", "created_by", "created_at")


class WaveSerializer(serializers.ModelSerializer):
    warehouse = shown_by_code()
    pick_lists = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    created_by = _username()

    class Meta:
        model = Wave
        fields = WAVE_FIELDS
        read_only_fields = WAVE_FIELDS


class WaveDetailSerializer(WaveSerializer):
    pick_lists = PickListSerializer(many=True, read_only=True)
    path = serializers.SerializerMethodField(help_text=_("The open pick lines of every list, in walking order."))

    class Meta(WaveSerializer.Meta):
        fields = (*WAVE_FIELDS, "path")
        read_only_fields = (*WAVE_FIELDS, "path")

    @extend_schema_field(PickLineSerializer(many=True))
    def get_path(self, wave) -> list[dict]:
        return PickLineSerializer(wave_pick_path(wave=wave).select_related("item__uom", "picked_by"), many=True).data


class WaveCreateSerializer(StrictInputMixin, serializers.Serializer):
    warehouse = by_code(Warehouse)
    requests = _request_by_number(many=True, allow_empty=False, help_text=_("Reserved stock requests, by number."))


class PickConfirmSerializer(StrictInputMixin, serializers.Serializer):
    location = by_code(Location, help_text=_("The bin scanned."))
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.000001"))
    lot = _lot_code(help_text=_("The lot or serial number scanned, for tracked items."))


class PickShortSerializer(StrictInputMixin, serializers.Serializer):
    found = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), help_text=_("What was there; it is picked."))
    reason = serializers.CharField(max_length=200, help_text=_("Why the rest is short."))
    location = by_code(Location, required=False, allow_null=True, help_text=_("The bin scanned; default: the line's."))
    lot = _lot_code(help_text=_("The lot scanned; default: the line's."))


class PackageSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = Package
        fields = ("code", "weight_kg", "contents")
        extra_kwargs = {"weight_kg": {"min_value": Decimal(0)}}


SHIPMENT_FIELDS = (
    "id",
    "number",
    "request",
    "reference",
    "partner",
    "carrier",
    "tracking_number",
    "packages",
    "shipped_at",
    "shipped_by",
    "created_at",
)


class ShipmentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text=_("The delivery note number (DN-...)."))
    request = serializers.SlugRelatedField(slug_field="number", read_only=True)
    reference = serializers.CharField(source="request.reference", read_only=True, help_text=_("The sales order."))
    partner = serializers.CharField(source="request.partner.code", read_only=True, allow_null=True)
    packages = PackageSerializer(many=True, read_only=True)
    shipped_by = _username()

    class Meta:
        model = Shipment
        fields = SHIPMENT_FIELDS
        read_only_fields = SHIPMENT_FIELDS


class ShipmentCreateSerializer(StrictInputMixin, serializers.Serializer):
    pick_list = serializers.SlugRelatedField(
        slug_field="number", queryset=PickList.objects.all(), help_text=_("A picked pick list, by number.")
    )
    carrier = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    tracking_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    packages = PackageSerializer(many=True, allow_empty=False)


class ShipSerializer(StrictInputMixin, serializers.Serializer):
    tracking_number = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("Default: the one given when packing.")
    )


# --- Cycle counts and replenishment ------------------------------------------------------------------------------


class CycleCountLineSerializer(serializers.ModelSerializer):
    location = shown_by_code()
    item = shown_by_code()
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    lot = shown_by_code()
    difference = serializers.DecimalField(
        **QUANTITY, read_only=True, allow_null=True, help_text=_("Counted less expected; null until counted.")
    )
    beyond_tolerance = serializers.SerializerMethodField()
    counted_by = _username()

    class Meta:
        model = CycleCountLine
        fields = (
            "id",
            "location",
            "item",
            "unit",
            "lot",
            "expected_qty",
            "counted_qty",
            "difference",
            "beyond_tolerance",
            "counted_by",
        )
        read_only_fields = fields

    def get_beyond_tolerance(self, line) -> bool:
        """The difference needs approval before the count is posted."""
        return beyond_tolerance(line, line.count.tolerance_pct)


CYCLE_COUNT_FIELDS = (
    "id",
    "number",
    "warehouse",
    "location",
    "abc_class",
    "tolerance_pct",
    "state",
    "needs_approval",
    "created_by",
    "approved_by",
    "posted_at",
    "lines",
    "created_at",
)


class CycleCountSerializer(serializers.ModelSerializer):
    warehouse = shown_by_code()
    location = shown_by_code(help_text=_("The zone or bin counted; null for an ABC count."))
    needs_approval = serializers.SerializerMethodField()
    created_by = _username()
    approved_by = _username()
    lines = CycleCountLineSerializer(many=True, read_only=True)

    class Meta:
        model = CycleCount
        fields = CYCLE_COUNT_FIELDS
        read_only_fields = CYCLE_COUNT_FIELDS

    def get_needs_approval(self, count) -> bool:
        """Some difference is beyond the tolerance and nobody has approved it yet."""
        return (
            count.state == CountState.OPEN
            and count.approved_by_id is None
            and any(beyond_tolerance(line, count.tolerance_pct) for line in count.lines.all())
        )


class CycleCountCreateSerializer(StrictInputMixin, serializers.Serializer):
    warehouse = by_code(Warehouse)
    location = by_code(Location, required=False, allow_null=True, help_text=_("Count every stocked bin under it."))
    abc_class = serializers.ChoiceField(
        choices=StockPolicy._meta.get_field("abc_class").choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Or count every item of this ABC class."),
    )

    def validate(self, attrs):
        location, warehouse = attrs.get("location"), attrs["warehouse"]
        if bool(location) == bool(attrs["abc_class"]):
            raise serializers.ValidationError(_("Count either a location or an ABC class."), code="scope")
        if location is not None and location.warehouse_id != warehouse.pk:
            message = _("%(location)s is not in %(warehouse)s.") % {
                "location": location.code,
                "warehouse": warehouse.code,
            }
            raise serializers.ValidationError({"location": message}, code="other_warehouse")
        return attrs


class CountRecordSerializer(StrictInputMixin, serializers.Serializer):
    line = serializers.IntegerField(help_text=_("The id of a line of this count."))
    counted = serializers.DecimalField(**QUANTITY, min_value=Decimal(0))

    def validate_line(self, value):
        line = self.context["count"].lines.filter(pk=value).first()
        if line is None:
            raise serializers.ValidationError(_("There is no line %(line)s on this count.") % {"line": value})
        return line


class CountFoundSerializer(StrictInputMixin, serializers.Serializer):
    location = by_code(Location)
    item = _item_by_code()
    lot = _lot_code(help_text=_("For tracked items; a lot not known yet is created with the line."))
    counted = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.000001"))


class ReplenishmentRuleSerializer(StrictInputMixin, FullCleanSerializer):
    location = by_code(Location, help_text=_("The pick face: one bin."))
    item = by_code(Item)
    unit = serializers.CharField(source="item.uom.code", read_only=True)

    class Meta:
        model = ReplenishmentRule
        fields = ("id", "location", "item", "unit", "min_qty", "max_qty")

    def validate_location(self, location):
        if not location.holds_stock or location.warehouse_id is None or location.quality_hold:
            raise serializers.ValidationError(
                _("%(location)s is not a storage bin; a pick face is one bin.") % {"location": location.code},
                code="not_a_bin",
            )
        return location


# --- The valuation snapshot ------------------------------------------------------------------------------------


class StockSnapshotQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text=_("The moment, ISO 8601, e.g. 2026-03-31T23:59:59+08:00."))
    warehouse = by_code(Warehouse, required=False, allow_null=True, help_text=_("Only this warehouse."))


class StockSnapshotRowSerializer(serializers.Serializer):
    item = serializers.CharField()
    warehouse = serializers.CharField()
    location = serializers.CharField()
    lot = serializers.CharField(allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY)
