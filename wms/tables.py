import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.tables import DateTimeColumn, DecimalColumn, QuantityColumn, TaktTable
from wms import models


def _item_stock(record) -> str:
    return reverse("wms:item_stock", args=[record.item_id])


def _lot(record) -> str | None:
    return reverse("wms:lot_detail", args=[record.lot_id]) if record.lot_id else None


def item_column(**kwargs) -> tables.Column:
    """The item's code, opening its stock page."""
    return tables.Column(
        accessor="item__code", verbose_name=_("Item"), linkify=_item_stock, order_by=("item__code",), **kwargs
    )


def lot_column() -> tables.Column:
    return tables.Column(accessor="lot__code", verbose_name=_("Lot"), linkify=_lot, order_by=("lot__code",))


class QuantTable(TaktTable):
    item = item_column()
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"))
    location = tables.Column(linkify=True, order_by=("location__code",))
    lot = lot_column()
    quantity = QuantityColumn(verbose_name=_("On hand"))
    reserved = DecimalColumn()
    available = DecimalColumn(accessor="free", order_by=("free",), verbose_name=_("Available"))
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)

    class Meta(TaktTable.Meta):
        model = models.Quant
        fields = ("item", "item_name", "location", "lot", "quantity", "reserved", "available", "unit", "in_date")


class StockMoveTable(TaktTable):
    moved_at = DateTimeColumn(linkify=lambda record: reverse("wms:stockmove_detail", args=[record.pk]))
    item = item_column()
    lot = lot_column()
    quantity = QuantityColumn()
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)
    from_location = tables.Column(linkify=True, order_by=("from_location__code",), verbose_name=_("From"))
    to_location = tables.Column(linkify=True, order_by=("to_location__code",), verbose_name=_("To"))

    class Meta(TaktTable.Meta):
        model = models.StockMove
        fields = (
            "moved_at",
            "kind",
            "item",
            "lot",
            "quantity",
            "unit",
            "from_location",
            "to_location",
            "reference",
            "note",
            "moved_by",
        )


class WarehouseTable(TaktTable):
    code = tables.Column(linkify=True)
    stock_location = tables.Column(linkify=True)

    class Meta(TaktTable.Meta):
        model = models.Warehouse
        fields = ("code", "name", "site", "stock_location")


class LocationTable(TaktTable):
    code = tables.Column(linkify=True)
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))
    parent = tables.Column(accessor="parent__code", verbose_name=_("Parent"))
    capacity_qty = QuantityColumn()

    class Meta(TaktTable.Meta):
        model = models.Location
        fields = (
            "code",
            "name",
            "kind",
            "warehouse",
            "parent",
            "pick_sequence",
            "capacity_qty",
            "quality_hold",
            "active",
        )


class LotTable(TaktTable):
    code = tables.Column(linkify=True)
    item = item_column()

    class Meta(TaktTable.Meta):
        model = models.Lot
        fields = ("code", "item", "expiry_date", "supplier_lot", "created_at")


class StockPolicyTable(TaktTable):
    applies_to = tables.Column(
        accessor="pk",
        verbose_name=_("Applies to"),
        linkify=lambda record: record.get_absolute_url(),
        order_by=("item__code", "category__code"),
    )

    class Meta(TaktTable.Meta):
        model = models.StockPolicy
        fields = ("applies_to", "removal_strategy", "requires_inspection", "abc_class")

    def render_applies_to(self, record) -> str:
        if record.item_id:
            return f"{record.item.code} {record.item.name}"
        return _("Category %(category)s") % {"category": record.category}

    def value_applies_to(self, record) -> str:
        return record.item.code if record.item_id else record.category.code


class StockRequestTable(TaktTable):
    number = tables.Column(linkify=True)
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))
    destination = tables.Column(accessor="destination__code", verbose_name=_("Destination"))
    partner = tables.Column(accessor="partner__code", verbose_name=_("Partner"))

    class Meta(TaktTable.Meta):
        model = models.StockRequest
        fields = ("number", "kind", "reference", "warehouse", "destination", "partner", "needed_on", "state")


class ReservationTable(TaktTable):
    """The reservations held on a quant or for a request line (detail pages)."""

    request = tables.Column(
        accessor="line__request__number",
        verbose_name=_("Request"),
        linkify=lambda record: reverse("wms:stockrequest_detail", args=[record.line.request_id]),
    )
    item = tables.Column(accessor="line__item__code", verbose_name=_("Item"))
    location = tables.Column(accessor="quant__location__code", verbose_name=_("Location"))
    lot = tables.Column(accessor="quant__lot__code", verbose_name=_("Lot"))
    quantity = QuantityColumn()

    class Meta(TaktTable.Meta):
        model = models.Reservation
        fields = ("request", "item", "location", "lot", "quantity")


# --- Receiving, put-away, picking, shipping, counting ------------------------------------------------------


def _request(accessor: str = "request") -> tables.Column:
    return tables.Column(
        accessor=f"{accessor}__number",
        verbose_name=_("Request"),
        linkify=lambda record: reverse("wms:stockrequest_detail", args=[record.request_id]),
        order_by=(f"{accessor}__number",),
    )


class ReceiptTable(TaktTable):
    number = tables.Column(linkify=True)
    supplier = tables.Column(accessor="supplier__code", verbose_name=_("Supplier"), order_by=("supplier__code",))
    supplier_name = tables.Column(accessor="supplier__name", verbose_name=_("Name"), orderable=False)
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))

    class Meta(TaktTable.Meta):
        model = models.Receipt
        fields = ("number", "supplier", "supplier_name", "reference", "asn_number", "warehouse", "expected_on", "state")


class StockTaskTable(TaktTable):
    task = tables.Column(
        accessor="pk",
        verbose_name=_("Task"),
        linkify=lambda record: record.get_absolute_url(),
        order_by=("pk",),
    )
    item = item_column()
    lot = lot_column()
    quantity = QuantityColumn()
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)
    from_location = tables.Column(linkify=True, order_by=("from_location__code",), verbose_name=_("From"))
    to_location = tables.Column(
        linkify=True, order_by=("to_location__code",), verbose_name=_("To"), default=_("(operator chooses)")
    )
    receipt = tables.Column(
        accessor="receipt__number",
        verbose_name=_("Receipt"),
        linkify=lambda record: reverse("wms:receipt_detail", args=[record.receipt_id]) if record.receipt_id else None,
        order_by=("receipt__number",),
    )
    done_by = tables.Column(accessor="done_by__username", verbose_name=_("Done by"))

    class Meta(TaktTable.Meta):
        model = models.StockTask
        fields = (
            "task",
            "purpose",
            "state",
            "item",
            "lot",
            "quantity",
            "unit",
            "from_location",
            "to_location",
            "receipt",
            "done_by",
            "created_at",
        )


class PickListTable(TaktTable):
    number = tables.Column(linkify=True)
    request = _request()
    reference = tables.Column(accessor="request__reference", verbose_name=_("Reference"))
    partner = tables.Column(accessor="request__partner__code", verbose_name=_("Partner"))
    wave = tables.Column(
        accessor="wave__number",
        verbose_name=_("Wave"),
        linkify=lambda record: reverse("wms:wave_detail", args=[record.wave_id]) if record.wave_id else None,
        order_by=("wave__number",),
    )

    class Meta(TaktTable.Meta):
        model = models.PickList
        fields = ("number", "request", "reference", "partner", "wave", "state", "created_at")


class WaveTable(TaktTable):
    number = tables.Column(linkify=True)
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))
    pick_list_count = tables.Column(verbose_name=_("Pick lists"))
    open_count = tables.Column(verbose_name=_("Open"))
    created_by = tables.Column(accessor="created_by__username", verbose_name=_("Released by"))

    class Meta(TaktTable.Meta):
        model = models.Wave
        fields = ("number", "warehouse", "pick_list_count", "open_count", "created_by", "created_at")


class ShipmentTable(TaktTable):
    number = tables.Column(linkify=True, verbose_name=_("Delivery note"))
    request = _request()
    reference = tables.Column(accessor="request__reference", verbose_name=_("Reference"))
    partner = tables.Column(accessor="request__partner__code", verbose_name=_("Customer"))
    shipped_at = DateTimeColumn(default=_("not shipped yet"))

    class Meta(TaktTable.Meta):
        model = models.Shipment
        fields = ("number", "request", "reference", "partner", "carrier", "tracking_number", "shipped_at")


class CycleCountTable(TaktTable):
    number = tables.Column(linkify=True)
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("Warehouse"))
    location = tables.Column(accessor="location__code", verbose_name=_("Zone or bin"))
    created_by = tables.Column(accessor="created_by__username", verbose_name=_("Opened by"))
    approved_by = tables.Column(accessor="approved_by__username", verbose_name=_("Approved by"))

    class Meta(TaktTable.Meta):
        model = models.CycleCount
        fields = (
            "number",
            "warehouse",
            "location",
            "abc_class",
            "state",
            "created_by",
            "approved_by",
            "created_at",
            "posted_at",
        )


class ReplenishmentRuleTable(TaktTable):
    location = tables.Column(linkify=lambda record: record.get_absolute_url(), order_by=("location__code",))
    item = item_column()
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"), orderable=False)
    min_qty = QuantityColumn()
    max_qty = QuantityColumn()
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)

    class Meta(TaktTable.Meta):
        model = models.ReplenishmentRule
        fields = ("location", "item", "item_name", "min_qty", "max_qty", "unit")
