"""What a supplier tells us through the portal: its confirmation of a purchase order (dates and quantities
per line) and its advance shipping notices (ASNs), which feed the order's WMS receipt."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.formatting import format_quantity
from core.models.base import TaktModel

QUANTITY = {"max_digits": 18, "decimal_places": 6}


class PoConfirmation(TaktModel):
    """The supplier's answer to a purchase order: its reference and, per line, the date and quantity it
    promises. ERP keeps the reference and the dates (the order lines' expected dates); the quantities and
    the history of confirmations are kept here. A later confirmation of the same order adds a new one."""

    purchase_order = models.ForeignKey("erp.PurchaseOrder", on_delete=models.CASCADE, related_name="confirmations")
    supplier_reference = models.CharField(max_length=100)
    note = models.TextField(blank=True)
    confirmed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["purchase_order", "-confirmed_at"]

    def __str__(self) -> str:
        return f"{self.purchase_order.number} {self.supplier_reference}"

    def get_absolute_url(self) -> str:
        return self.purchase_order.get_absolute_url()


class PoConfirmationLine(TaktModel):
    confirmation = models.ForeignKey(PoConfirmation, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey("erp.PurchaseOrderLine", on_delete=models.CASCADE, related_name="confirmations")
    requested_date = models.DateField(help_text=_("The date the line was expected on before this confirmation."))
    confirmed_date = models.DateField()
    confirmed_quantity = models.DecimalField(**QUANTITY)

    class Meta:
        ordering = ["confirmation", "po_line__position"]
        constraints = [
            models.UniqueConstraint(fields=["confirmation", "po_line"], name="po_confirmation_line_once"),
            models.CheckConstraint(
                condition=Q(confirmed_quantity__gte=0), name="po_confirmation_quantity_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.po_line.reference}: {self.confirmed_quantity} on {self.confirmed_date}"

    def get_absolute_url(self) -> str:
        return self.confirmation.get_absolute_url()


class Asn(TaktModel):
    """An advance shipping notice: goods of one purchase order on their way, by lot. Creating it tells the
    order's WMS receipt what to expect (srm.services.asns)."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    supplier = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="asns")
    purchase_order = models.ForeignKey("erp.PurchaseOrder", on_delete=models.PROTECT, related_name="asns")
    asn_number = models.CharField(max_length=100, verbose_name=_("supplier's ASN number"))
    ship_date = models.DateField()
    expected_date = models.DateField(help_text=_("When the goods arrive at our dock."))
    carrier = models.CharField(max_length=100, blank=True)
    tracking = models.CharField(max_length=100, blank=True, help_text=_("The carrier's tracking number."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("ASN")
        verbose_name_plural = _("ASNs")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "asn_number"], name="asn_number_unique_per_supplier"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.asn_number})"


class AsnLine(TaktModel):
    asn = models.ForeignKey(Asn, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey("erp.PurchaseOrderLine", on_delete=models.PROTECT, related_name="asn_lines")
    quantity = models.DecimalField(**QUANTITY)
    lot_code = models.CharField(max_length=64, blank=True)
    expiry_date = models.DateField(null=True, blank=True)
    receipt_line = models.ForeignKey(
        "wms.ReceiptLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The receipt line that expects these goods."),
    )

    class Meta:
        verbose_name = _("ASN line")
        ordering = ["asn", "po_line__position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="asn_line_quantity_positive")]

    def __str__(self) -> str:
        lot = f" lot {self.lot_code}" if self.lot_code else ""
        return f"{self.asn.number}: {format_quantity(self.quantity)} of {self.po_line}{lot}"

    def get_absolute_url(self) -> str:
        return self.asn.get_absolute_url()
