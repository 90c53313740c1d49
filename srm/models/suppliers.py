"""The supplier master: which supplier may deliver which item on what terms (the approved vendor list),
their price breaks, and the certificates a supplier must hold to be bought from."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel
from plm.models.attachments import validate_attachment

QUANTITY = {"max_digits": 18, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}


class Approval(models.TextChoices):
    """Where a supplier stands for one item: only approved (or, lacking those, conditional) sources are bought from."""

    APPROVED = "approved", _("Approved")
    CONDITIONAL = "conditional", _("Conditional")
    PENDING = "pending", _("Pending")
    DISQUALIFIED = "disqualified", _("Disqualified")


# The approvals a purchase may go to, best first.
SOURCEABLE_APPROVALS = (Approval.APPROVED, Approval.CONDITIONAL)


class CertificateKind(models.TextChoices):
    ISO_9001 = "iso_9001", _("ISO 9001")
    ISO_14001 = "iso_14001", _("ISO 14001")
    IATF_16949 = "iatf_16949", _("IATF 16949")
    ROHS = "rohs", _("RoHS")
    REACH = "reach", _("REACH")
    OTHER = "other", _("Other")


class SupplierItem(TaktModel):
    """An item as one supplier sells it: their part number, our approval of them for it, and the terms."""

    supplier = models.ForeignKey("core.Partner", on_delete=models.CASCADE, related_name="supplier_items")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="supplier_items")
    supplier_part_number = models.CharField(max_length=100, blank=True)
    approval = models.CharField(max_length=16, choices=Approval.choices, default=Approval.PENDING)
    approval_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    approval_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    preferred = models.BooleanField(
        default=False, help_text=_("The source MRP and buyers pick first; one per item, among the approved.")
    )
    lead_time_days = models.PositiveIntegerField(default=0)
    min_order_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    order_multiple = models.DecimalField(
        **QUANTITY, default=Decimal("0"), help_text=_("Order in multiples of this quantity; 0 for any quantity.")
    )
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["item__code", "-preferred", "supplier__code"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "item"], name="supplier_item_unique"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(preferred=True), name="supplier_item_one_preferred_per_item"
            ),
            models.CheckConstraint(
                condition=Q(preferred=False) | Q(approval=Approval.APPROVED, active=True),
                name="supplier_item_preferred_is_approved",
            ),
            models.CheckConstraint(condition=Q(min_order_qty__gte=0), name="supplier_item_moq_not_negative"),
            models.CheckConstraint(condition=Q(order_multiple__gte=0), name="supplier_item_multiple_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code} {self.item.code}"


class SupplierPrice(TaktModel):
    """A supplier's unit price from a quantity on, valid for a period: several rows make the breaks."""

    supplier_item = models.ForeignKey(SupplierItem, on_delete=models.CASCADE, related_name="prices")
    min_quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    unit_price = models.DecimalField(**PRICE, help_text=_("In the supplier item's currency."))
    valid_from = models.DateField(null=True, blank=True, help_text=_("Empty: valid from always."))
    valid_to = models.DateField(null=True, blank=True, help_text=_("Empty: valid until further notice."))

    class Meta:
        ordering = ["supplier_item", "min_quantity", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="supplier_price_not_negative"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0), name="supplier_price_break_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="supplier_price_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_item} from {self.min_quantity}: {self.unit_price}"

    def get_absolute_url(self) -> str:
        return self.supplier_item.get_absolute_url()


class Certificate(TaktModel):
    """A certificate a supplier holds; a required one (blocks_purchasing) blocks new POs once it expires."""

    supplier = models.ForeignKey("core.Partner", on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(max_length=16, choices=CertificateKind.choices)
    number = models.CharField(max_length=100)
    issued_by = models.CharField(max_length=200, blank=True, help_text=_("The certification body."))
    valid_from = models.DateField()
    valid_to = models.DateField()
    blocks_purchasing = models.BooleanField(
        default=False, help_text=_("Required: purchasing from the supplier is blocked once it expires.")
    )
    document = models.FileField(
        upload_to="srm/certificates/%Y/%m/", max_length=500, blank=True, validators=[validate_attachment]
    )
    notes = models.TextField(blank=True)
    expiry_warned_for = models.DateField(
        null=True, blank=True, editable=False, help_text=_("The expiry date the last warning was given for.")
    )

    class Meta:
        ordering = ["supplier", "valid_to", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="certificate_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.supplier.code})"

    @property
    def block_source(self) -> str:
        """The `source` of the PartnerBlock this certificate keeps."""
        return f"srm.certificate:{self.pk}"
