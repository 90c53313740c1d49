"""What planners decide before MRP: the demand forecast per item and month, and the master schedule."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aps.choices import ForecastMethod
from core.models.base import TaktModel

QUANTITY = {"max_digits": 18, "decimal_places": 6}


class DemandForecast(TaktModel):
    """An item's statistical forecast: the method with the smallest backtested error, and that error."""

    item = models.OneToOneField("core.Item", on_delete=models.CASCADE, related_name="demand_forecast")
    method = models.CharField(max_length=24, choices=ForecastMethod.choices)
    mape = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name=_("MAPE %"),
        help_text=_("Mean absolute percentage error of the method over the backtest; empty without sales."),
    )
    # xgettext:no-python-format
    method_errors = models.JSONField(default=dict, help_text=_("MAPE % of every method tried."))
    history_months = models.PositiveSmallIntegerField(default=0)
    generated_on = models.DateField()

    class Meta:
        ordering = ["item__code"]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_method_display()}"


class DemandForecastPeriod(TaktModel):
    """One month of an item's forecast, as computed and as a planner adjusted it."""

    forecast = models.ForeignKey(DemandForecast, on_delete=models.CASCADE, related_name="periods")
    month = models.DateField(help_text=_("The first day of the month."))
    statistical_qty = models.DecimalField(**QUANTITY)
    adjusted_qty = models.DecimalField(
        **QUANTITY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The planner's figure; empty: the statistical one stands."),
    )
    note = models.CharField(max_length=200, blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["forecast__item__code", "month"]
        constraints = [
            models.UniqueConstraint(fields=["forecast", "month"], name="aps_forecast_month_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="aps_forecast_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.forecast.item.code} {self.month:%Y-%m}: {self.planned_qty}"

    @property
    def planned_qty(self):
        return self.statistical_qty if self.adjusted_qty is None else self.adjusted_qty


class MasterScheduleEntry(TaktModel):
    """The master production schedule: how much of an end item the plant plans for a week."""

    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="schedule_entries")
    week_start = models.DateField(help_text=_("The Monday of the week."))
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(0)])
    note = models.CharField(max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["item__code", "week_start"]
        verbose_name = _("master schedule entry")
        verbose_name_plural = _("master schedule entries")
        constraints = [
            models.UniqueConstraint(fields=["item", "week_start"], name="aps_mps_item_week_unique"),
            # PostgreSQL's week_day: Sunday is 1, Monday 2.
            models.CheckConstraint(condition=Q(week_start__week_day=2), name="aps_mps_week_starts_monday"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="aps_mps_quantity_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} week of {self.week_start}: {self.quantity}"
