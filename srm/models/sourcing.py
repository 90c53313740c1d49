"""Sourcing: requests for quotation sent to several suppliers, their quotes line by line, and the award
that turns the chosen quote lines into ERP purchase orders.

States of an RFQ: draft > sent (suppliers may quote until respond_by) > closed (no more quotes) >
awarded, or cancelled before the award. A supplier has one quote per RFQ: submitting again replaces it.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel

QUANTITY = {"max_digits": 18, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}


class RfqState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    CLOSED = "closed", _("Closed")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


class QuoteState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AWARDED = "awarded", _("Awarded")
    LOST = "lost", _("Lost")


class Rfq(TaktModel):
    """A request for quotation: what is to be bought (its lines) and until when suppliers may answer."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    title = models.CharField(max_length=200)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    state = models.CharField(max_length=16, choices=RfqState.choices, default=RfqState.DRAFT)
    issued_on = models.DateField(null=True, blank=True, editable=False, help_text=_("When it was sent."))
    respond_by = models.DateField(help_text=_("The last day suppliers may quote."))
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", help_text=_("The currency quotes are asked in.")
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("RFQ")
        verbose_name_plural = _("RFQs")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class RfqLine(TaktModel):
    rfq = models.ForeignKey(Rfq, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="rfq_lines")
    quantity = models.DecimalField(**QUANTITY)
    required_date = models.DateField(null=True, blank=True, help_text=_("When the goods are needed."))

    class Meta:
        ordering = ["rfq", "position"]
        verbose_name = _("RFQ line")
        constraints = [
            models.UniqueConstraint(fields=["rfq", "position"], name="rfq_line_position_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rfq_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rfq.number}/{self.position} {self.item.code}"

    def get_absolute_url(self) -> str:
        return self.rfq.get_absolute_url()


class RfqInvitation(TaktModel):
    """A supplier asked to quote; `sent_at` is set when the RFQ (or the invitation, if later) goes out."""

    rfq = models.ForeignKey(Rfq, on_delete=models.CASCADE, related_name="invitations")
    supplier = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="rfq_invitations")
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    declined = models.BooleanField(default=False, help_text=_("The supplier said it will not quote."))

    class Meta:
        ordering = ["rfq", "supplier__code"]
        verbose_name = _("RFQ invitation")
        constraints = [models.UniqueConstraint(fields=["rfq", "supplier"], name="rfq_invitation_unique")]

    def __str__(self) -> str:
        return f"{self.rfq.number} {self.supplier.code}"

    def get_absolute_url(self) -> str:
        return self.rfq.get_absolute_url()


class SupplierQuote(TaktModel):
    """A supplier's answer to an RFQ, entered by a buyer or by the supplier's own login through the portal."""

    rfq = models.ForeignKey(Rfq, on_delete=models.CASCADE, related_name="quotes")
    supplier = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="supplier_quotes")
    invitation = models.OneToOneField(RfqInvitation, on_delete=models.PROTECT, related_name="quote")
    reference = models.CharField(max_length=100, blank=True, help_text=_("The supplier's own quote number."))
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", help_text=_("The RFQ's unless the supplier's.")
    )
    valid_until = models.DateField(null=True, blank=True, help_text=_("Empty: no end given."))
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=QuoteState.choices, default=QuoteState.SUBMITTED)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["rfq", "supplier__code"]
        constraints = [models.UniqueConstraint(fields=["rfq", "supplier"], name="supplier_quote_one_per_rfq")]

    def __str__(self) -> str:
        return f"{self.rfq.number} {self.supplier.code}"

    def get_absolute_url(self) -> str:
        return self.rfq.get_absolute_url()


class SupplierQuoteLine(TaktModel):
    quote = models.ForeignKey(SupplierQuote, on_delete=models.CASCADE, related_name="lines")
    rfq_line = models.ForeignKey(RfqLine, on_delete=models.CASCADE, related_name="quote_lines")
    unit_price = models.DecimalField(**PRICE, help_text=_("In the quote's currency."))
    lead_time_days = models.PositiveIntegerField(help_text=_("Days from the order to the delivery."))
    min_order_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    quantity = models.DecimalField(**QUANTITY, help_text=_("What the supplier offers of the line."))
    purchase_order_line = models.OneToOneField(
        "erp.PurchaseOrderLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quote_line",
        editable=False,
        help_text=_("The order line the award made of it."),
    )

    class Meta:
        ordering = ["quote", "rfq_line__position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "rfq_line"], name="supplier_quote_line_unique"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="supplier_quote_line_price_positive"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supplier_quote_line_quantity_positive"),
            models.CheckConstraint(condition=Q(min_order_qty__gte=0), name="supplier_quote_line_moq_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("min_order_qty")), name="supplier_quote_line_offers_its_moq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote} line {self.rfq_line.position}"

    def get_absolute_url(self) -> str:
        return self.quote.get_absolute_url()
