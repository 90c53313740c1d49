from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TaktModel, code_field


class Area(TaktModel):
    """ISA-95 area: a hall or a line group inside a site."""

    site = models.ForeignKey("core.Site", on_delete=models.PROTECT, related_name="areas")
    code = code_field()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WorkCenter(TaktModel):
    """ISA-95 work center: a group of interchangeable machines that routings plan against."""

    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_centers",
        help_text=_("Where it stands; work centers imported without one can be placed later."),
    )
    code = code_field()
    name = models.CharField(max_length=200)
    calendar = models.ForeignKey("core.WorkCalendar", null=True, blank=True, on_delete=models.PROTECT)
    hours_per_day = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("8"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Capacity per machine and day when no calendar is set."),
    )
    cost_per_hour = models.DecimalField(
        max_digits=18, decimal_places=4, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    split_across_breaks = models.BooleanField(
        default=True,
        help_text=_(
            "On: an operation may stop at a break or the end of a shift and go on in the next one. "
            "Off: it must fit whole into one working window."
        ),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Machine(TaktModel):
    """ISA-95 work unit: one machine of a work center."""

    work_center = models.ForeignKey(WorkCenter, on_delete=models.PROTECT, related_name="machines")
    code = code_field()
    name = models.CharField(max_length=200)
    calendar = models.ForeignKey(
        "core.WorkCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Overrides the work center's calendar."),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def effective_calendar(self):
        return self.calendar or self.work_center.calendar
