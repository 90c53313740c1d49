"""Forms of the MRP screens: starting a run, the item plan's horizon, and choosing planned orders to firm."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aps.models import PlannedOrder
from aps.selectors.mrp import MAX_WEEKS
from core.forms import DATE, BootstrapWidgetsMixin, CodeField
from core.models import Item


class MrpRunForm(BootstrapWidgetsMixin, forms.Form):
    today = forms.DateField(
        label=_("Planning date"),
        required=False,
        widget=DATE,
        help_text=_("Empty: today. Requirements before it are past due."),
    )


class ItemPlanForm(BootstrapWidgetsMixin, forms.Form):
    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=MAX_WEEKS, initial=13, required=False)


class ItemPlanLookupForm(BootstrapWidgetsMixin, forms.Form):
    item = CodeField(Item.objects.all(), what=_("item"), label=_("Item code"))


class PlannedOrderSelectForm(forms.Form):
    """The planned orders ticked on the list."""

    orders = forms.ModelMultipleChoiceField(
        queryset=PlannedOrder.objects.all(),
        error_messages={"required": _("Tick the planned orders to firm.")},
    )
