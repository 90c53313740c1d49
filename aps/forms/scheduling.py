"""Forms of the scheduling screens: scheduling now, a scenario and its what-ifs (an order, a machine down or
on an extra shift), choosing schedules to compare, and the plant's scheduling data (settings, changeovers,
real downtime)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aps.choices import MachineWindowKind
from aps.models import Changeover, MachineWindow, Schedule, SchedulingSettings
from core.forms import DATE, BootstrapWidgetsMixin, CodeField, TaktModelForm
from core.models import Item, Machine

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MachineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Machine) -> str:
        return f"{obj.work_center.code} · {obj.code} {obj.name}"


def _machines():
    return Machine.objects.filter(active=True).select_related("work_center").order_by("work_center__code", "code")


class ScheduleNowForm(BootstrapWidgetsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False, help_text=_("Empty: the date and time."))
    full_replan = forms.BooleanField(
        label=_("Full re-plan"), required=False, help_text=_("Off: keep the published plan and change it little.")
    )
    include_planned = forms.BooleanField(label=_("Include MRP's planned orders"), required=False)
    publish = forms.BooleanField(label=_("Publish when solved"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("include_planned", SchedulingSettings.load().include_planned_orders)


class ScenarioForm(BootstrapWidgetsMixin, forms.Form):
    name = forms.CharField(label=_("Scenario name"), max_length=200)


class WhatIfOrderForm(BootstrapWidgetsMixin, forms.Form):
    """A what-if order; `weight` is the service's name of the priority."""

    item = CodeField(Item.objects.filter(active=True), what=_("active item"), label=_("Item code"))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=6)
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    weight = forms.IntegerField(
        label=_("Priority"), min_value=1, max_value=100, initial=1, help_text=_("1 normal, up to 100.")
    )


class ScenarioMachineWindowForm(BootstrapWidgetsMixin, forms.Form):
    """A machine down, or on an extra shift, in a scenario only."""

    machine = MachineChoiceField(queryset=_machines(), label=_("Machine"))
    kind = forms.ChoiceField(label=_("Kind"), choices=MachineWindowKind.choices, initial=MachineWindowKind.DOWN)
    start = forms.DateTimeField(label=_("From"), widget=DATETIME)
    end = forms.DateTimeField(label=_("To"), widget=DATETIME)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ScheduleCompareForm(forms.Form):
    ids = forms.ModelMultipleChoiceField(
        queryset=Schedule.objects.all(), error_messages={"required": _("Tick two or more schedules to compare.")}
    )

    def clean_ids(self):
        chosen = self.cleaned_data["ids"]
        if len(chosen) < 2:
            raise ValidationError(_("Tick two or more schedules to compare."), code="too_few")
        return chosen


class SchedulingSettingsForm(TaktModelForm):
    class Meta:
        model = SchedulingSettings
        fields = "__all__"  # every setting (the timestamps are not editable)


class ChangeoverForm(TaktModelForm):
    """A row of a work center's changeover matrix (the work center is the page's)."""

    class Meta:
        model = Changeover
        fields = ("from_family", "to_family", "minutes")

    def __init__(self, *args, work_center, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.work_center = work_center
        for name in ("from_family", "to_family"):
            self.fields[name].empty_label = _("(no category)")

    def clean(self):
        data = super().clean()
        # The work center is not a field of the form, so the model form leaves the unique constraint out.
        pair = {"from_family": data.get("from_family"), "to_family": data.get("to_family")}
        if not self.errors and Changeover.objects.filter(work_center=self.instance.work_center, **pair).exists():
            raise ValidationError(_("This pair has a row already: delete it first to change its minutes."))
        return data


class MachineWindowForm(TaktModelForm):
    """Real downtime or an extra shift: every schedule respects it."""

    machine = MachineChoiceField(queryset=_machines(), label=_("Machine"))

    class Meta:
        model = MachineWindow
        fields = ("machine", "kind", "start", "end", "reason")
        widgets = {"start": DATETIME, "end": DATETIME}
