"""The OEE page's choice: which machines (one, a work center's, or all), which whole days (in the plant's
time zone), and how the rows are grouped."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DATE, BootstrapWidgetsMixin
from core.models import Machine, WorkCenter
from mes.selectors.oee import MAX_PERIOD, OeeGrouping

# The period shown when none is asked for: the last week, today included.
DEFAULT_DAYS = 7


class OeeForm(BootstrapWidgetsMixin, forms.Form):
    machine = forms.ModelChoiceField(
        Machine.objects.filter(active=True).order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All machines"),
        label=_("Machine"),
    )
    work_center = forms.ModelChoiceField(
        WorkCenter.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All work centers"),
        label=_("Work center"),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE, help_text=_("Included."))
    group_by = forms.ChoiceField(
        choices=OeeGrouping.choices, required=False, initial=OeeGrouping.DAY, label=_("Rows per")
    )

    def clean(self):
        data = super().clean()
        data["date_to"] = data.get("date_to") or timezone.localdate()
        data["date_from"] = data.get("date_from") or data["date_to"] - datetime.timedelta(days=DEFAULT_DAYS - 1)
        data["group_by"] = data.get("group_by") or OeeGrouping.DAY
        if data["date_from"] > data["date_to"]:
            raise ValidationError({"date_to": _("The period must end on or after its first day.")})
        if data["date_to"] - data["date_from"] >= MAX_PERIOD:
            raise ValidationError({"date_to": _("Show at most %(days)s days.") % {"days": MAX_PERIOD.days}})
        return data

    def period(self) -> tuple[datetime.datetime, datetime.datetime]:
        """From the first day's midnight to the midnight after the last, in the plant's time zone."""
        tz = timezone.get_current_timezone()
        first, last = self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        return (
            datetime.datetime.combine(first, datetime.time(), tzinfo=tz),
            datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), tzinfo=tz),
        )

    def machines(self) -> QuerySet[Machine]:
        machines = Machine.objects.filter(active=True)
        if self.cleaned_data.get("machine"):
            machines = machines.filter(pk=self.cleaned_data["machine"].pk)
        if self.cleaned_data.get("work_center"):
            machines = machines.filter(work_center=self.cleaned_data["work_center"])
        return machines
