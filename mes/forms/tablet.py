"""Forms of the operator tablet. They reuse the warehouse tablet's scanning kit (wms/tablet.py): fields a
scanner types into, Enter moving to the next one, a service's refusal put onto the field it names and
that field emptied so the cursor waits there."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Machine
from erp.models import Employee, ProductionOperation, ProductionOrder
from mes.choices import DowntimeCategory
from mes.models import DowntimeReason, ScrapReason
from mes.selectors.dispatch import operation_by_code
from mes.services.execution import SUPERVISOR_PERMISSION
from wms.models import Lot
from wms.tablet import CodeField, ScanForm, bin_field, quantity_field, scan_input


def employee_by_badge(code: str) -> Employee:
    employee = Employee.objects.filter(badge=code, active=True).first()
    if employee is None:
        raise ValidationError(_("Unknown badge: %(code)s.") % {"code": code}, code="unknown_badge")
    return employee


class BadgeForm(ScanForm):
    badge = CodeField(label=gettext_lazy("Scan your badge"), resolve=employee_by_badge)


class OperationScanForm(ScanForm):
    """An operation's barcode from the production traveller (`<order number>/<seq>`), scanned on a machine's
    screen: the operation it names, if it can run on that machine."""

    operation = forms.CharField(label=gettext_lazy("Scan an operation"), max_length=100, widget=scan_input())

    def __init__(self, *args, machine: Machine, **kwargs):
        self.machine = machine
        super().__init__(*args, **kwargs)

    def clean_operation(self) -> ProductionOperation:
        return operation_by_code(code=self.cleaned_data["operation"], machine=self.machine)


class ReasonForm(forms.Form):
    """A reason picked by pressing its button: the button posts the reason's id."""

    reason = forms.ModelChoiceField(
        queryset=DowntimeReason.objects.filter(active=True),
        error_messages={"required": gettext_lazy("Pick a reason."), "invalid_choice": gettext_lazy("Pick a reason.")},
    )


def reasons_by_category() -> list[tuple[str, list[DowntimeReason]]]:
    """The active downtime reasons as the picker shows them: planned ones, then unplanned ones."""
    reasons = list(DowntimeReason.objects.filter(active=True).order_by("code"))
    return [
        (label, [reason for reason in reasons if reason.category == category])
        for category, label in DowntimeCategory.choices
    ]


class CountForm(ScanForm):
    """Good and scrapped units. More good units than ordered need a supervisor: their badge (or user name)
    and password, asked for once the count was refused for it."""

    good = quantity_field(gettext_lazy("Good"), required=False, min_value=0)
    scrap = quantity_field(gettext_lazy("Scrap"), required=False, min_value=0)
    scrap_reason = forms.ModelChoiceField(
        label=gettext_lazy("Scrap reason"),
        queryset=ScrapReason.objects.filter(active=True),
        required=False,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    supervisor = forms.CharField(
        label=gettext_lazy("Supervisor's badge or user name"),
        required=False,
        max_length=150,
        widget=scan_input(),
    )
    supervisor_password = forms.CharField(
        label=gettext_lazy("Supervisor's password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control form-control-lg scan-input", "data-scan": True}),
    )

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["good"] = data.get("good") or Decimal("0")
        data["scrap"] = data.get("scrap") or Decimal("0")
        data["override_by"] = None
        if data.get("supervisor") or data.get("supervisor_password"):
            data["override_by"] = self._supervisor(data.get("supervisor", ""), data.get("supervisor_password", ""))
        return data

    def _supervisor(self, who: str, password: str):
        """The supervisor's user, signed in by password; the count itself stays with the operator."""
        employee = Employee.objects.filter(badge=who, active=True, user__isnull=False).select_related("user").first()
        username = employee.user.get_username() if employee else who
        user = authenticate(self.request, username=username, password=password) if who and password else None
        if user is None:
            self.add_error("supervisor", ValidationError(_("Badge or password not accepted."), code="not_accepted"))
            return None
        if not user.has_perm(SUPERVISOR_PERMISSION):
            message = _("%(user)s is not a supervisor: they may not accept more than ordered.") % {"user": username}
            self.add_error("supervisor", ValidationError(message, code="not_supervisor"))
            return None
        return user

    @property
    def override_asked(self) -> bool:
        """The supervisor fields are shown: the count was refused as over quantity, or they were filled in."""
        if not self.is_bound:
            return False
        return bool(self.data.get("supervisor") or self.data.get("supervisor_password") or "supervisor" in self.errors)


class ConsumeForm(ScanForm):
    """A lot scanned as it goes into the operation: the component is the one of the lot's item."""

    lot = forms.CharField(label=gettext_lazy("Scan the lot"), max_length=64, widget=scan_input())
    quantity = quantity_field()
    location = bin_field(gettext_lazy("From bin (when not reserved)"), required=False)

    def __init__(self, *args, order: ProductionOrder, **kwargs):
        self.order = order
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = data.get("lot")
        if code:
            components = {component.item_id: component for component in self.order.components.all()}
            lots = list(Lot.objects.filter(code=code, item_id__in=components).select_related("item"))
            if len(lots) == 1:
                data["lot"], data["component"] = lots[0], components[lots[0].item_id]
            else:
                self.add_error("lot", self._lot_error(code, lots))
        return data

    def _lot_error(self, code: str, lots: list[Lot]) -> ValidationError:
        if lots:
            message = _("Lot %(code)s is a lot of several components (%(items)s): ask your supervisor.") % {
                "code": code,
                "items": ", ".join(lot.item.code for lot in lots),
            }
            return ValidationError(message, code="ambiguous_lot")
        if Lot.objects.filter(code=code).exists():
            message = _("Lot %(code)s is not of a component of %(number)s.")
            return ValidationError(message % {"code": code, "number": self.order.number}, code="not_a_component")
        return ValidationError(_("Unknown lot: %(code)s.") % {"code": code}, code="unknown_lot")


class BackflushForm(ScanForm):
    """Consume every component for a number of units, by the order's bill of materials."""

    quantity = quantity_field(gettext_lazy("Units made"))
    location = bin_field(gettext_lazy("From bin (when not reserved)"), required=False)


class ProduceForm(ScanForm):
    """Good units to stock under a lot (or serial numbers): a new code from the order's number, unless given."""

    quantity = quantity_field()
    lot_code = forms.CharField(
        label=gettext_lazy("Lot number (empty: a new one)"), required=False, max_length=64, widget=scan_input()
    )
    location = bin_field(gettext_lazy("To bin (empty: the receiving dock)"), required=False)
