from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel
from erp.choices import OperationState, ProductionOrderState, VarianceKind
from erp.models.finance import MONEY
from erp.models.sales import QUANTITY

MINUTES = {"max_digits": 12, "decimal_places": 2}
# Run time per unit keeps the routing's precision: 0.0125 min x 10 000 units is 125 minutes, not 100 or 200.
RUN_MINUTES = {"max_digits": 12, "decimal_places": 4}


class ProductionOrder(TaktModel):
    """Make a quantity of an item: its BOM and routing are copied on the order when it is firmed or released."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="production_orders")
    quantity = models.DecimalField(**QUANTITY)
    start_date = models.DateField()
    due_date = models.DateField()
    state = models.CharField(max_length=16, choices=ProductionOrderState.choices, default=ProductionOrderState.PLANNED)
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    bom_revision = models.ForeignKey(
        "plm.BomRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="production_orders"
    )
    routing_revision = models.ForeignKey(
        "plm.RoutingRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="production_orders"
    )
    sales_order_line = models.ForeignKey(
        "erp.SalesOrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="production_orders"
    )
    material_request = models.OneToOneField(
        "wms.StockRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="production_order"
    )
    standard_unit_cost = models.DecimalField(
        **QUANTITY, null=True, blank=True, help_text=_("Frozen at release: what each good unit is received at.")
    )
    completed_qty = models.DecimalField(**QUANTITY, default=Decimal("0"), help_text=_("Good units received."))
    scrapped_qty = models.DecimalField(
        **QUANTITY, default=Decimal("0"), help_text=_("Units scrapped, the sum of what the operations reported.")
    )
    received_value = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text=_("The value of the good units received, credited to WIP.")
    )
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="production_quantity_positive"),
            models.CheckConstraint(condition=Q(start_date__lte=models.F("due_date")), name="production_start_by_due"),
            models.CheckConstraint(
                condition=Q(completed_qty__gte=0) & Q(scrapped_qty__gte=0), name="production_output_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item.code}"


class ProductionComponent(TaktModel):
    """A material the order needs, copied from the BOM revision effective on its start date."""

    order = models.ForeignKey(ProductionOrder, on_delete=models.CASCADE, related_name="components")
    position = models.PositiveIntegerField()
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    qty_per = models.DecimalField(**QUANTITY)
    scrap_pct = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0"))
    required_qty = models.DecimalField(**QUANTITY, help_text=_("For the order quantity, scrap allowance included."))
    issued_qty = models.DecimalField(**QUANTITY, default=Decimal("0"), help_text=_("Consumed so far, net of returns."))
    issued_value = models.DecimalField(**MONEY, default=Decimal("0"), help_text=_("The value of what was consumed."))
    standard_unit_cost = models.DecimalField(
        **QUANTITY, null=True, blank=True, help_text=_("The component's standard cost when the order was released.")
    )

    class Meta:
        ordering = ["order", "position"]
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="production_component_unique")]

    def __str__(self) -> str:
        return f"{self.order.number}/{self.position} {self.item.code}"

    def get_absolute_url(self) -> str:
        return self.order.get_absolute_url()


class ProductionOperation(TaktModel):
    """An operation of the order, copied from the routing revision; MES reports against it."""

    order = models.ForeignKey(ProductionOrder, on_delete=models.CASCADE, related_name="operations")
    seq = models.PositiveIntegerField(verbose_name=_("sequence"))
    name = models.CharField(max_length=200, blank=True)
    work_center = models.ForeignKey("core.WorkCenter", on_delete=models.PROTECT, related_name="production_operations")
    setup_minutes = models.DecimalField(**MINUTES, default=Decimal("0"))
    run_minutes_per_unit = models.DecimalField(**RUN_MINUTES, default=Decimal("0"))
    queue_minutes = models.DecimalField(**MINUTES, default=Decimal("0"))
    move_minutes = models.DecimalField(**MINUTES, default=Decimal("0"))
    instructions = models.TextField(blank=True)
    labor_rate_per_hour = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal("0"))
    machine_rate_per_hour = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal("0"))
    crew_size = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))
    state = models.CharField(max_length=16, choices=OperationState.choices, default=OperationState.PENDING)
    machine = models.ForeignKey(
        "core.Machine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The machine it was started on (MES)."),
    )
    good_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    scrap_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    actual_machine_minutes = models.DecimalField(**MINUTES, default=Decimal("0"))
    actual_labor_minutes = models.DecimalField(**MINUTES, default=Decimal("0"))
    absorbed_labor = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text=_("Labor booked to WIP at the frozen rate: labor minutes x rate.")
    )
    absorbed_machine = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text=_("Machine overhead booked to WIP at the frozen rate.")
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="production_operation_unique"),
            models.CheckConstraint(
                condition=Q(good_qty__gte=0) & Q(scrap_qty__gte=0), name="production_operation_output_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number} op {self.seq} {self.work_center.code}"

    def get_absolute_url(self) -> str:
        return self.order.get_absolute_url()


class ProductionVariance(models.Model):
    """One variance of a closed order, posted to its account; summed per item and period in reports."""

    order = models.ForeignKey(ProductionOrder, on_delete=models.PROTECT, related_name="variances")
    kind = models.CharField(max_length=20, choices=VarianceKind.choices)
    amount = models.DecimalField(**MONEY, help_text=_("Positive is unfavourable (cost above standard)."))
    date = models.DateField()
    journal_entry = models.ForeignKey(
        "erp.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["order", "kind"]
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="production_variance_unique")]

    def __str__(self) -> str:
        return f"{self.order.number} {self.get_kind_display()}: {self.amount}"
