from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from erp.choices import SalesOrderState

QUANTITY = {"max_digits": 18, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}


class PriceList(TaktModel):
    """Selling prices in one currency: for one customer, or (no customer) for everyone."""

    code = code_field()
    name = models.CharField(max_length=200)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "core.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="price_lists"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = {}
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = ValidationError(_("A price list cannot end before it starts."), code="invalid_period")
        if self.customer_id and not self.customer.is_customer:
            errors["customer"] = ValidationError(
                _("%(partner)s is not a customer.") % {"partner": self.customer.code}, code="not_a_customer"
            )
        if errors:
            raise ValidationError(errors)


class PriceListItem(TaktModel):
    """The unit price of an item from a quantity on: several rows make the quantity breaks."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    min_quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    unit_price = models.DecimalField(**PRICE)

    class Meta:
        ordering = ["price_list", "item__code", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "item", "min_quantity"], name="price_break_unique"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_not_negative"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0), name="price_break_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} from {self.min_quantity}: {self.unit_price}"

    def get_absolute_url(self) -> str:
        return self.price_list.get_absolute_url()


class SalesOrder(TaktModel):
    number = models.CharField(max_length=32, unique=True, editable=False)
    customer = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="sales_orders")
    customer_reference = models.CharField(max_length=100, blank=True, help_text=_("The customer's PO number."))
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    exchange_rate = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        default=Decimal("1"),
        help_text=_("Company currency per unit of the order currency, at the order date."),
    )
    order_date = models.DateField()
    requested_date = models.DateField(help_text=_("When the customer wants the goods."))
    promised_date = models.DateField(null=True, blank=True, help_text=_("When we promised them."))
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=SalesOrderState.choices, default=SalesOrderState.DRAFT)
    stock_request = models.OneToOneField(
        "wms.StockRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="sales_order"
    )
    notes = models.TextField(blank=True)
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="sales_order_rate_positive")]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.code}"


class SalesOrderLine(TaktModel):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="sales_order_lines")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**PRICE, help_text=_("In the order currency, before discount."))
    discount_pct = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0"))
    tax_rate = models.ForeignKey("erp.TaxRate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_date = models.DateField(null=True, blank=True, help_text=_("The order's date when empty."))
    promised_date = models.DateField(null=True, blank=True)
    shipped_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    invoiced_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="sales_line_position_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="sales_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0) & Q(discount_pct__lte=100), name="sales_line_discount_valid"
            ),
            models.CheckConstraint(condition=Q(shipped_qty__gte=0), name="sales_line_shipped_not_negative"),
            models.CheckConstraint(condition=Q(invoiced_qty__lte=F("shipped_qty")), name="sales_line_invoice_shipped"),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}/{self.position} {self.item.code}"

    def get_absolute_url(self) -> str:
        return self.order.get_absolute_url()

    @property
    def net_unit_price(self) -> Decimal:
        """In the order currency, after discount, at the scale of a price."""
        return (self.unit_price * (1 - self.discount_pct / 100)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)

    @property
    def net_amount(self) -> Decimal:
        """In the order currency, after discount, before tax, rounded to cents.

        From the net unit price, as the invoice computes it, so an order invoiced in full invoices
        exactly its own total."""
        return (self.quantity * self.net_unit_price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class SalesForecast(TaktModel):
    """Expected demand not yet ordered: MRP nets it against the sales orders that consume it."""

    reference = models.CharField(max_length=100)
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="forecasts")
    customer = models.ForeignKey("core.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    quantity = models.DecimalField(**QUANTITY)

    class Meta:
        ordering = ["due_date", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["reference", "item", "due_date"], name="forecast_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="forecast_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} {self.item.code} on {self.due_date}"

    def clean(self) -> None:
        if self.customer_id and not self.customer.is_customer:
            message = _("%(partner)s is not a customer.") % {"partner": self.customer.code}
            raise ValidationError({"customer": ValidationError(message, code="not_a_customer")})
