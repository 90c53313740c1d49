from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs):
    from wms.locations import virtual_locations_load

    virtual_locations_load()


def _register_search() -> None:
    from django.db.models import Q

    from core.choices import Tracking
    from core.search import SearchKind, register_search

    # Lots and serial numbers are both wms.Lot: a serial is a lot of a serial-tracked item.
    def lots(key, label, where):
        return SearchKind(
            key,
            label,
            "wms.lot",
            codes=("code",),
            texts=("supplier_lot", "item__code", "item__name"),
            details=("item.name", "expiry_date"),
            select_related=("item",),
            where=where,
        )

    register_search(lots("lots", _("Lots"), ~Q(item__tracking=Tracking.SERIAL)))
    register_search(lots("serials", _("Serial numbers"), Q(item__tracking=Tracking.SERIAL)))
    register_search(
        SearchKind(
            "receipts",
            _("Receipts"),
            "wms.receipt",
            codes=("number",),
            texts=("reference", "asn_number", "supplier__code", "supplier__name"),
            details=("supplier.name", "get_state_display"),
            select_related=("supplier",),
        )
    )
    register_search(
        SearchKind(
            "shipments",
            _("Shipments"),
            "wms.shipment",
            codes=("number",),
            texts=("tracking_number", "carrier"),
            details=("carrier", "tracking_number"),
        )
    )


class WmsConfig(AppConfig):
    name = "wms"
    verbose_name = "WMS"

    def ready(self):
        from core.dashboards import register_panels
        from core.navigation import Menu, MenuItem, ObjectLink, model_item, register_menu, register_object_link
        from wms.dashboards import PANELS

        register_panels(*PANELS)
        _register_search()

        # The virtual locations exist in every database, and again after a test-database flush.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="wms.after_migrate")
        register_menu(
            Menu(
                _("Warehouse"),
                (
                    model_item(_("Stock"), "wms.quant"),
                    MenuItem(_("Move stock"), "wms:stock_transfer", "wms.add_stockmove"),
                    MenuItem(_("Count"), "wms:stock_count", "wms.add_stockmove"),
                    model_item(_("Stock moves"), "wms.stockmove"),
                    model_item(_("Stock requests"), "wms.stockrequest"),
                    model_item(_("Receipts"), "wms.receipt"),
                    MenuItem(_("Quality hold"), "wms:quality_hold", "wms.view_stockmove"),
                    model_item(_("Stock tasks"), "wms.stocktask"),
                    model_item(_("Pick lists"), "wms.picklist"),
                    model_item(_("Waves"), "wms.wave"),
                    model_item(_("Shipments"), "wms.shipment"),
                    model_item(_("Cycle counts"), "wms.cyclecount"),
                    model_item(_("Replenishment rules"), "wms.replenishmentrule"),
                    model_item(_("Lots and serial numbers"), "wms.lot"),
                    model_item(_("Locations"), "wms.location"),
                    model_item(_("Warehouses"), "wms.warehouse"),
                    model_item(_("Stock policies"), "wms.stockpolicy"),
                    # The scanner screens of the floor (receive, put away, pick, count, move).
                    MenuItem(_("Tablet screens"), "wms:tablet_home", "wms.change_stocktask"),
                ),
            )
        )
        # An item's stock page: on hand, reserved and available per warehouse and location, its last moves.
        register_object_link("core.item", ObjectLink(_("Stock"), "wms:item_stock", "wms.view_stockmove"))
