"""The form that asks for one month's scorecard to be computed (again)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapWidgetsMixin


class ScorecardComputeForm(BootstrapWidgetsMixin, forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("Computed again, a month's scorecard replaces the one there."),
    )

    def clean_month(self):
        month = self.cleaned_data["month"].replace(day=1)
        if month > timezone.localdate():
            raise forms.ValidationError(_("That month has not begun."), code="future")
        return month
