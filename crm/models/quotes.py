"""Quotations: what we offer a customer, priced from its price list, with a validity and promised dates.

A quote is revised into versions that share its number (Q-2026-00012 v1, v2, ...): each revision copies
the last one into a new draft and marks it superseded. An accepted quote becomes an ERP sales order.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel

QUANTITY = {"max_digits": 18, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}
PRICE_STEP = Decimal("0.000001")
CENT = Decimal("0.01")


class QuoteState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")


class Quote(TaktModel):
    number = models.CharField(max_length=32, editable=False, help_text=_("Shared by all versions of the quote."))
    version = models.PositiveIntegerField(default=1, editable=False)
    account = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="quotes")
    contact = models.ForeignKey("core.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes")
    opportunity = models.ForeignKey(
        "crm.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    price_list = models.ForeignKey(
        "erp.PriceList",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Prices come from this list; empty: the customer's lists, then the general ones."),
    )
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(
        "wms.Warehouse", on_delete=models.PROTECT, related_name="+", help_text=_("Where the order ships from.")
    )
    quote_date = models.DateField()
    valid_until = models.DateField()
    requested_date = models.DateField(help_text=_("When the customer wants the goods."))
    promised_date = models.DateField(
        null=True, blank=True, help_text=_("The latest of the lines' promised dates, from capable-to-promise.")
    )
    state = models.CharField(max_length=16, choices=QuoteState.choices, default=QuoteState.DRAFT)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_quotes"
    )
    customer_reference = models.CharField(
        max_length=100, blank=True, help_text=_("The customer's PO number, given on acceptance.")
    )
    notes = models.TextField(blank=True, help_text=_("Printed on the quote."))
    sales_order = models.OneToOneField(
        "erp.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="quote", editable=False
    )
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejected_reason = models.TextField(blank=True, editable=False)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes", editable=False
    )

    class Meta:
        ordering = ["-number", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="quote_number_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="quote_version_positive"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("quote_date")), name="quote_valid_after_date"),
            models.CheckConstraint(
                condition=Q(state=QuoteState.ACCEPTED, sales_order__isnull=False) | ~Q(state=QuoteState.ACCEPTED),
                name="quote_accepted_has_order",
            ),
        ]
        indexes = [models.Index(fields=["state", "valid_until"], name="quote_state_valid_until")]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    def clean(self) -> None:
        errors = {}
        if self.account_id and not self.account.is_customer:
            errors["account"] = ValidationError(
                _("%(partner)s is not a customer.") % {"partner": self.account.code}, code="not_a_customer"
            )
        if self.contact_id and self.account_id and self.contact.partner_id != self.account_id:
            errors["contact"] = ValidationError(_("The contact belongs to another account."), code="other_account")
        if self.opportunity_id and self.account_id and self.opportunity.account_id != self.account_id:
            errors["opportunity"] = ValidationError(_("The opportunity is with another account."), code="other_account")
        if self.price_list_id:
            price_list = self.price_list
            if price_list.customer_id and price_list.customer_id != self.account_id:
                errors["price_list"] = ValidationError(
                    _("%(list)s is another customer's price list.") % {"list": price_list.code}, code="other_account"
                )
            elif self.currency_id and price_list.currency_id != self.currency_id:
                errors["price_list"] = ValidationError(
                    _("%(list)s is in %(currency)s, the quote in another currency.")
                    % {"list": price_list.code, "currency": price_list.currency.code},
                    code="other_currency",
                )
        if self.quote_date and self.valid_until and self.valid_until < self.quote_date:
            errors["valid_until"] = ValidationError(
                _("A quote cannot expire before its date."), code="before_quote_date"
            )
        if self.quote_date and self.requested_date and self.requested_date < self.quote_date:
            errors["requested_date"] = ValidationError(
                _("This date is before the quote date (%(date)s).") % {"date": self.quote_date.isoformat()},
                code="before_quote_date",
            )
        if errors:
            raise ValidationError(errors)


class QuoteLine(TaktModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="quote_lines")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**PRICE, help_text=_("In the quote currency, before discount."))
    priced_from_list = models.BooleanField(
        default=True, help_text=_("The price list gives the price (again when the quantity changes).")
    )
    discount_pct = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0"))
    tax_rate = models.ForeignKey("erp.TaxRate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    promised_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["quote", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="quote_line_position_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0) & Q(discount_pct__lte=100), name="quote_line_discount_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote}/{self.position} {self.item.code}"

    def get_absolute_url(self) -> str:
        return self.quote.get_absolute_url()

    # As erp.SalesOrderLine computes them, so the order made from the quote totals exactly the same.
    @property
    def net_unit_price(self) -> Decimal:
        """In the quote currency, after discount, at the scale of a price."""
        return (self.unit_price * (1 - self.discount_pct / 100)).quantize(PRICE_STEP, rounding=ROUND_HALF_UP)

    @property
    def net_amount(self) -> Decimal:
        """In the quote currency, after discount, before tax, rounded to cents."""
        return (self.quantity * self.net_unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
