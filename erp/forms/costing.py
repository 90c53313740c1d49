"""Forms of the costing screens."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import DATE, BootstrapWidgetsMixin, TaktModelForm
from erp.models import CostVersion, WorkCenterRate


class CostVersionForm(BootstrapWidgetsMixin, forms.Form):
    code = forms.CharField(max_length=CostVersion._meta.get_field("code").max_length, label=_("Code"))
    name = forms.CharField(max_length=200, label=_("Name"))
    as_of = forms.DateField(widget=DATE, label=_("As of"), help_text=CostVersion._meta.get_field("as_of").help_text)


class WorkCenterRateForm(TaktModelForm):
    class Meta:
        model = WorkCenterRate
        fields = ("work_center", "labor_rate_per_hour", "crew_size", "machine_rate_per_hour")


class CostCompareForm(BootstrapWidgetsMixin, forms.Form):
    """Two versions to compare; the old one is usually the active version, the new one a draft."""

    old = forms.ModelChoiceField(CostVersion.objects.order_by("-as_of", "-code"), label=_("Old version"))
    new = forms.ModelChoiceField(CostVersion.objects.order_by("-as_of", "-code"), label=_("New version"))
    changed_only = forms.BooleanField(required=False, label=_("Changed items only"))

    def clean(self):
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            raise ValidationError(_("Choose two different versions."), code="same_version")
        return data
