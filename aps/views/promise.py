"""The capable-to-promise widget for sales: an item, a quantity and the day the customer asks for; the
answer is the earliest day the plant can deliver, and why (stock, components, machines)."""

import datetime

from django import forms
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from aps.models import Schedule
from aps.selectors.promise import capable_to_promise
from core.models import Item
from core.navigation import MenuItem
from core.views.generic import ModelPermissionMixin


class PromiseForm(forms.Form):
    item = forms.ModelChoiceField(
        queryset=Item.objects.order_by("code"), to_field_name="code", widget=forms.TextInput(attrs={"list": "items"})
    )
    quantity = forms.DecimalField(max_digits=18, decimal_places=6, min_value=0)
    requested_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity <= 0:
            raise forms.ValidationError(_("Enter a quantity above zero."))
        return quantity


class PromiseView(ModelPermissionMixin, generic.TemplateView):
    """GET with the fields filled answers; htmx swaps only the answer in."""

    model = Schedule
    template_name = "aps/promise/promise.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["aps/promise/answer.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asked = "item" in self.request.GET
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        form = PromiseForm(self.request.GET if asked else None, initial={"requested_date": tomorrow, "quantity": 1})
        context["form"] = form
        context["items"] = Item.objects.order_by("code").values_list("code", "name")
        if asked and form.is_valid():
            context["promise"] = capable_to_promise(**form.cleaned_data)
        return context


urlpatterns = [path("promise/", PromiseView.as_view(), name="promise")]
MENU = (MenuItem(_("Capable to promise"), "aps:promise", "aps.view_schedule"),)
