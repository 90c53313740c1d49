from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import Weekday

from .base import TaktModel, code_field
from .organization import validate_timezone


class WorkCalendar(TaktModel):
    """Weekly shifts plus dated exceptions (holidays, extra shifts), in the plant's time zone."""

    code = code_field()
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Shift(TaktModel):
    """A recurring working window; an end at or before the start means the shift runs past midnight."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(max_length=100)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["calendar", "weekday", "start_time"]

    def __str__(self) -> str:
        return f"{self.name} {Weekday(self.weekday).label} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class CalendarException(TaktModel):
    """A closed day (holiday, shutdown) or an extra working window on one date."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField()
    is_working = models.BooleanField(
        default=False, help_text=_("Off: the day is closed. On: the window below is worked in addition.")
    )
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date"]

    def __str__(self) -> str:
        return f"{self.date} {self.reason or ('extra shift' if self.is_working else 'closed')}"

    def clean(self) -> None:
        if self.is_working and (self.start_time is None or self.end_time is None):
            raise ValidationError({"start_time": _("An extra working window needs a start and an end time.")})
