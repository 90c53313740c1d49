"""Tables of the quality lists: plans and their characteristics, inspections and their measurements,
nonconformances and corrective actions."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, QuantityColumn, TaktTable
from mes.choices import InspectionResult
from mes.models import Characteristic, CorrectiveAction, Inspection, InspectionPlan, Measurement, Nonconformance
from mes.selectors.quality import limits_text


def _item(accessor: str = "item__code") -> tables.Column:
    return tables.Column(accessor=accessor, verbose_name=_("Item"), order_by=(accessor,))


def _lot(accessor: str = "lot__code") -> tables.Column:
    return tables.Column(accessor=accessor, verbose_name=_("Lot"), order_by=(accessor,), default="")


class InspectionPlanTable(TaktTable):
    code = tables.Column(linkify=True)
    item = _item()
    operation_seq = tables.Column(verbose_name=_("Operation"), default=_("last"))

    class Meta(TaktTable.Meta):
        model = InspectionPlan
        fields = ("code", "name", "item", "trigger", "operation_seq", "frequency", "every_n", "active")


class CharacteristicTable(TaktTable):
    name = tables.Column(linkify=True)
    plan = tables.Column(accessor="plan__code", verbose_name=_("Plan"), order_by=("plan__code",))
    nominal = DecimalColumn()
    lower_limit = DecimalColumn()
    upper_limit = DecimalColumn()
    unit = tables.Column(accessor="unit__code", verbose_name=_("Unit"), default="")

    class Meta(TaktTable.Meta):
        model = Characteristic
        fields = ("plan", "position", "name", "kind", "nominal", "lower_limit", "upper_limit", "unit")
        sequence = ("name", "plan", "position", "kind", "nominal", "lower_limit", "upper_limit", "unit")


class InspectionTable(TaktTable):
    number = tables.Column(linkify=True)
    plan = tables.Column(accessor="plan__code", verbose_name=_("Plan"), order_by=("plan__code",))
    item = _item("plan__item__code")
    order = tables.Column(
        accessor="operation__order__number", verbose_name=_("Order"), order_by=("operation__order__number",), default=""
    )
    seq = tables.Column(accessor="operation__seq", verbose_name=_("Operation"), default="")
    lot = _lot()
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"), default="")
    sample_qty = QuantityColumn(verbose_name=_("Sample"))

    class Meta(TaktTable.Meta):
        model = Inspection
        fields = ("number", "inspected_at", "plan", "item", "order", "seq", "lot", "machine", "sample_qty", "result")
        row_attrs = {"class": lambda record: "table-danger" if record.result == InspectionResult.FAILED else ""}


class MeasurementTable(TaktTable):
    characteristic = tables.Column(accessor="characteristic__name", verbose_name=_("Characteristic"), linkify=False)
    value = DecimalColumn(default="")
    limits = tables.Column(empty_values=(), verbose_name=_("Limits"), orderable=False)
    passed = tables.BooleanColumn(verbose_name=_("Passed"))

    class Meta(TaktTable.Meta):
        model = Measurement
        fields = ("characteristic", "value", "limits", "passed")
        row_attrs = {"class": lambda record: "" if record.passed else "table-danger"}

    def render_limits(self, record: Measurement) -> str:
        return limits_text(record.characteristic)


class NonconformanceTable(TaktTable):
    number = tables.Column(linkify=True)
    item = _item()
    lot = _lot()
    quantity = QuantityColumn()
    supplier = tables.Column(accessor="supplier__code", verbose_name=_("Supplier"), default="")
    description = tables.Column(orderable=False)

    class Meta(TaktTable.Meta):
        model = Nonconformance
        fields = ("number", "raised_at", "item", "lot", "quantity", "supplier", "state", "disposition", "description")

    def render_description(self, value: str) -> str:
        return value if len(value) <= 80 else f"{value[:79]}…"


class CorrectiveActionTable(TaktTable):
    # Linked to the nonconformance's page, where the action is completed.
    nonconformance = tables.Column(accessor="nonconformance__number", verbose_name=_("Nonconformance"), linkify=True)
    owner = tables.Column(accessor="owner__username", verbose_name=_("Owner"), default="")

    class Meta(TaktTable.Meta):
        model = CorrectiveAction
        fields = ("nonconformance", "description", "owner", "due_date", "done_at")
