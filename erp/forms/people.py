"""Forms of the people screens. Master data are model forms; the roster entry form runs the roster
check before saving; attendance and the roster plan are handed to erp.services.people."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapWidgetsMixin, TaktModelForm
from core.models import Machine, Shift, WorkCenter
from erp.models import Department, Employee, Qualification, RosterEntry
from erp.services.people import roster_entry_check

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ShiftChoiceMixin:
    """Shifts named with their calendar: "2SHIFT · Early Monday 06:00-14:00"."""

    def label_from_instance(self, shift: Shift) -> str:
        return f"{shift.calendar.code} · {shift}"


class ShiftChoiceField(ShiftChoiceMixin, forms.ModelChoiceField):
    pass


class ShiftMultipleChoiceField(ShiftChoiceMixin, forms.ModelMultipleChoiceField):
    pass


def _shifts():
    return Shift.objects.select_related("calendar").order_by("calendar__code", "weekday", "start_time")


def _employees():
    return Employee.objects.order_by("number")


class DepartmentForm(TaktModelForm):
    class Meta:
        model = Department
        fields = ("code", "name", "cost_center")


class EmployeeForm(TaktModelForm):
    user = forms.ModelChoiceField(
        get_user_model().objects.all(),
        to_field_name="username",
        required=False,
        label=_("User"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("The username this employee signs in to Takt with, if any."),
        error_messages={"invalid_choice": _("There is no user with that username.")},
    )

    class Meta:
        model = Employee
        fields = (
            "number",
            "first_name",
            "last_name",
            "user",
            "badge",
            "department",
            "position",
            "labor_cost_rate",
            "hired_on",
            "active",
        )
        widgets = {"hired_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.user_id:
            self.initial["user"] = self.instance.user.get_username()

    def clean_badge(self):
        # No badge is NULL, not "": the badge is unique, and many employees have none.
        return (self.cleaned_data.get("badge") or "").strip() or None


class QualificationForm(TaktModelForm):
    class Meta:
        model = Qualification
        fields = ("employee", "work_center", "machine", "valid_from", "valid_until", "note")
        widgets = {"valid_from": DATE, "valid_until": DATE}
        help_texts = {
            "work_center": _("Every machine of the work center; or choose one machine below."),
            "machine": _("One machine only."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = _employees()
        self.fields["machine"].queryset = Machine.objects.select_related("work_center").order_by("code")


class RosterEntryForm(TaktModelForm):
    shift = ShiftChoiceField(_shifts(), label=_("Shift"))

    class Meta:
        model = RosterEntry
        fields = ("employee", "date", "shift", "work_center")
        widgets = {"date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = _employees().filter(active=True)
        self.fields["shift"].queryset = _shifts()

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        if not self.errors and all(getattr(self.instance, f"{name}_id", None) for name in ("employee", "shift")):
            try:
                roster_entry_check(entry=self.instance)
            except ValidationError as exc:
                self._update_errors(exc)


class RosterPlanForm(BootstrapWidgetsMixin, forms.Form):
    employee = forms.ModelChoiceField(_employees().filter(active=True), label=_("Employee"))
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), widget=DATE)
    shifts = ShiftMultipleChoiceField(
        _shifts(),
        label=_("Shift pattern"),
        help_text=_("Every date of the range gets the chosen shifts of its weekday."),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    work_center = forms.ModelChoiceField(WorkCenter.objects.order_by("code"), required=False, label=_("Work center"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Fresh querysets per form: shifts and employees added since start-up are offered too.
        self.fields["employee"].queryset = _employees().filter(active=True)
        self.fields["shifts"].queryset = _shifts()
        self.fields["work_center"].queryset = WorkCenter.objects.order_by("code")


class AttendanceForm(BootstrapWidgetsMixin, forms.Form):
    """An attendance entered or corrected by HR; without a clock-out the employee is still clocked in."""

    employee = forms.ModelChoiceField(_employees(), label=_("Employee"))
    clock_in = forms.DateTimeField(label=_("Clock-in"), widget=DATETIME)
    clock_out = forms.DateTimeField(label=_("Clock-out"), required=False, widget=DATETIME)
    machine = forms.ModelChoiceField(Machine.objects.order_by("code"), required=False, label=_("Machine"))

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None:
            kwargs["initial"] = {
                "employee": instance.employee_id,
                "clock_in": instance.clock_in,
                "clock_out": instance.clock_out,
                "machine": instance.machine_id,
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = _employees()
        self.fields["machine"].queryset = Machine.objects.order_by("code")
        if instance is not None:  # an attendance stays the employee's; a wrong one is deleted
            self.fields["employee"].disabled = True


class LaborReportForm(BootstrapWidgetsMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), widget=DATE)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        return cleaned


class ExpiringForm(BootstrapWidgetsMixin, forms.Form):
    within = forms.IntegerField(label=_("Ending within (days)"), min_value=0, max_value=3660, initial=30)
