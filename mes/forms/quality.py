"""Forms of quality: plans and characteristics (model forms: configuration), the tablet's inspection entry
(one large field per characteristic), and the forms of a nonconformance's page, handed to the services."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import BootstrapWidgetsMixin, CodeField, CodesShownMixin, TaktModelForm
from core.models import Item, Partner, WorkCenter
from mes.choices import CharacteristicKind, Disposition
from mes.forms.tablet import employee_by_badge
from mes.models import Characteristic, InspectionPlan
from mes.models.quality import MEASURE
from mes.selectors.quality import limits_text
from wms.models import Lot
from wms.tablet import CodeField as ScannedCode
from wms.tablet import ScanForm, scan_input

PASS, FAIL = "pass", "fail"


class InspectionPlanForm(CodesShownMixin, TaktModelForm):
    item = CodeField(Item.objects.all(), what=gettext_lazy("item"))

    class Meta:
        model = InspectionPlan
        fields = ("code", "name", "item", "trigger", "operation_seq", "frequency", "every_n", "active")


class CharacteristicForm(TaktModelForm):
    class Meta:
        model = Characteristic
        fields = ("plan", "position", "name", "kind", "nominal", "lower_limit", "upper_limit", "unit")


def characteristic_field_name(characteristic: Characteristic) -> str:
    return f"c{characteristic.pk}"


class InspectionEntryForm(ScanForm):
    """One large field per characteristic of the plan: a number for what is measured, pass / fail buttons
    for what is judged. Without an operator signed in on the tablet the inspector scans a badge."""

    badge = ScannedCode(label=gettext_lazy("Inspector: scan your badge"), resolve=employee_by_badge)
    unit_number = forms.IntegerField(
        label=gettext_lazy("Unit"), required=False, min_value=1, widget=scan_input(inputmode="numeric")
    )
    lot = forms.CharField(label=gettext_lazy("Lot"), required=False, max_length=64, widget=scan_input())
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg"}),
    )

    def __init__(self, *args, plan: InspectionPlan, badge_needed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.characteristics = list(plan.characteristics.select_related("unit").order_by("position"))
        if not badge_needed:
            del self.fields["badge"]
        for characteristic in self.characteristics:
            self.fields[characteristic_field_name(characteristic)] = self._field(characteristic)
        # The characteristics first, in their order, then who, which unit and lot.
        names = [characteristic_field_name(c) for c in self.characteristics]
        self.order_fields([*names, "badge", "unit_number", "lot", "note"])

    @staticmethod
    def _field(characteristic: Characteristic) -> forms.Field:
        if characteristic.kind == CharacteristicKind.ATTRIBUTE:
            return forms.ChoiceField(
                label=characteristic.name,
                choices=[(PASS, _("Pass")), (FAIL, _("Fail"))],
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                error_messages={"required": _("Judge it: pass or fail.")},
            )
        unit = f" ({characteristic.unit.code})" if characteristic.unit_id else ""
        return forms.DecimalField(
            label=f"{characteristic.name}{unit}",
            help_text=limits_text(characteristic),
            **MEASURE,
            widget=scan_input(inputmode="decimal"),
        )

    def clean_lot(self) -> Lot | None:
        code = self.cleaned_data["lot"].strip()
        if not code:
            return None
        lot = Lot.objects.filter(item=self.plan.item_id, code=code).first()
        if lot is None:
            message = _("Unknown lot %(code)s of %(item)s.") % {"code": code, "item": self.plan.item.code}
            raise ValidationError(message, code="unknown_lot")
        return lot

    def measurements(self) -> dict[Characteristic, Decimal | bool]:
        values = {}
        for characteristic in self.characteristics:
            value = self.cleaned_data[characteristic_field_name(characteristic)]
            values[characteristic] = value == PASS if characteristic.kind == CharacteristicKind.ATTRIBUTE else value
        return values


class NonconformanceRaiseForm(BootstrapWidgetsMixin, forms.Form):
    item = CodeField(Item.objects.all(), what=gettext_lazy("item"), required=False, label=gettext_lazy("Item code"))
    lot = forms.CharField(label=gettext_lazy("Lot or serial number"), required=False, max_length=64)
    quantity = forms.DecimalField(label=gettext_lazy("Quantity"), required=False, min_value=0, **MEASURE)
    supplier = CodeField(
        Partner.objects.all(), what=gettext_lazy("partner"), required=False, label=gettext_lazy("Supplier code")
    )
    description = forms.CharField(label=gettext_lazy("What is wrong"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = (data.get("lot") or "").strip()
        if not code:
            data["lot"] = None
            return data
        lots = Lot.objects.filter(code=code).select_related("item")
        if data.get("item") is not None:
            lots = lots.filter(item=data["item"])
        found = list(lots[:2])
        if len(found) != 1:
            if found:
                message, error = _("Several items have a lot %(code)s: give the item."), "ambiguous_lot"
            else:
                message, error = _("Unknown lot %(code)s."), "unknown_lot"
            self.add_error("lot", ValidationError(message % {"code": code}, code=error))
        else:
            data["lot"] = found[0]
        return data


class DispositionForm(BootstrapWidgetsMixin, forms.Form):
    disposition = forms.ChoiceField(label=gettext_lazy("Disposition"), choices=Disposition.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"),
        required=False,
        min_value=Decimal("0.000001"),
        help_text=gettext_lazy("Scrap or return: how much of the lot; empty: the nonconforming quantity, else all."),
        **MEASURE,
    )
    work_center = CodeField(
        WorkCenter.objects.all(),
        what=gettext_lazy("work center"),
        required=False,
        label=gettext_lazy("Rework at"),
        help_text=gettext_lazy("Empty: where the operation concerned runs."),
    )


class CorrectiveActionForm(BootstrapWidgetsMixin, forms.Form):
    description = forms.CharField(label=gettext_lazy("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SpcForm(BootstrapWidgetsMixin, forms.Form):
    subgroup_size = forms.TypedChoiceField(
        label=gettext_lazy("Chart"),
        choices=[("", gettext_lazy("Individuals only")), *((n, f"X-bar / R, n = {n}") for n in range(2, 11))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    last = forms.IntegerField(label=gettext_lazy("Last measurements"), min_value=2, max_value=2000, initial=200)
