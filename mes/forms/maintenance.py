"""Forms of the maintenance screens: a preventive plan, a corrective request, and what an order's page
posts (its plan, a task, a spare part, hours worked); the reliability page's period. Machines, items and
bins are typed (or scanned) by their code."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DATE, BootstrapWidgetsMixin, CodeField
from core.models import Item, Machine, WorkCenter
from erp.models import Employee
from mes.choices import MaintenanceTrigger
from mes.models import MaintenancePlan
from mes.selectors.maintenance import RELIABILITY_PERIOD
from wms.choices import LocationKind
from wms.models import Location, Lot

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MINUTES = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}
QUANTITY = {"max_digits": 18, "decimal_places": 6, "min_value": Decimal("0.000001")}


def _machine_field(**kwargs) -> CodeField:
    return CodeField(Machine.objects.select_related("work_center"), what=_("machine"), label=_("Machine"), **kwargs)


class MaintenancePlanForm(BootstrapWidgetsMixin, forms.Form):
    """A plan; handed to maintenance_plan_create / maintenance_plan_update (the machine stays once made)."""

    machine = _machine_field()
    name = forms.CharField(label=_("Name"), max_length=200)
    trigger = forms.ChoiceField(label=_("Due by"), choices=MaintenanceTrigger.choices)
    interval = forms.DecimalField(
        label=_("Interval"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("Days, run hours or cycles, by the trigger."),
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, initial=60)
    tasks = forms.CharField(
        label=_("Tasks"), required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=_("One task per line.")
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    last_done_at = forms.DateTimeField(
        label=_("Last done"), required=False, widget=DATETIME, help_text=_("Empty: a calendar plan counts from now.")
    )
    last_done_meter = forms.DecimalField(
        label=_("Meter when last done"),
        required=False,
        max_digits=18,
        decimal_places=3,
        min_value=Decimal(0),
        help_text=_("Run hours or cycles then. Empty: the machine's meter now."),
    )

    def __init__(self, *args, plan: MaintenancePlan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["machine"].disabled = True
            self.initial.update(
                machine=plan.machine.code,
                **{name: getattr(plan, name) for name in self.fields if name != "machine"},
            )
            self.fields["last_done_meter"].help_text = _(
                "Run hours or cycles then. Empty on a new trigger: its meter now."
            )


class MaintenanceRequestForm(BootstrapWidgetsMixin, forms.Form):
    """A corrective request: the machine and what is wrong with it."""

    machine = _machine_field()
    description = forms.CharField(label=_("What is wrong"), widget=forms.Textarea(attrs={"rows": 4}))


class MaintenanceOrderPlanForm(BootstrapWidgetsMixin, forms.Form):
    planned_start = forms.DateTimeField(label=_("From"), widget=DATETIME)
    planned_end = forms.DateTimeField(label=_("To"), widget=DATETIME)


class MaintenanceTaskForm(BootstrapWidgetsMixin, forms.Form):
    description = forms.CharField(label=_("Task"), max_length=255)


class MaintenancePartForm(BootstrapWidgetsMixin, forms.Form):
    """A spare part taken from a bin; a lot-tracked part names its lot."""

    item = CodeField(Item.objects.select_related("uom"), what=_("item"), label=_("Item code"))
    quantity = forms.DecimalField(label=_("Quantity"), **QUANTITY)
    location = CodeField(Location.objects.filter(kind=LocationKind.INTERNAL), what=_("bin"), label=_("From bin"))
    lot = forms.CharField(label=_("Lot"), required=False, max_length=64)

    def clean(self):
        data = super().clean()
        code, item = data.get("lot", "").strip(), data.get("item")
        data["lot"] = None
        if code and item is not None:
            data["lot"] = Lot.objects.filter(item=item, code=code).first()
            if data["lot"] is None:
                self.add_error("lot", _("%(item)s has no lot %(lot)s.") % {"item": item.code, "lot": code})
        return data


class MaintenanceLaborForm(BootstrapWidgetsMixin, forms.Form):
    employee = forms.ModelChoiceField(Employee.objects.filter(active=True).order_by("last_name"), label=_("Employee"))
    minutes = forms.DecimalField(label=_("Minutes"), **MINUTES)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE, help_text=_("Empty: today."))


class ReliabilityForm(BootstrapWidgetsMixin, forms.Form):
    """The period (whole days, in the plant's time zone) and, if wanted, one work center."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE, help_text=_("Included."))
    work_center = CodeField(WorkCenter.objects.all(), what=_("work center"), label=_("Work center"), required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - RELIABILITY_PERIOD
        if data["date_from"] > data["date_to"]:
            raise ValidationError(_("The period must start before it ends."))
        return data
