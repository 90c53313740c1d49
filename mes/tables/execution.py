"""Tables of the execution lists for the office: operation runs and the production record."""

from decimal import Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.formatting import trim_decimal
from core.tables import DateTimeColumn, DecimalColumn, QuantityColumn, TaktTable
from mes.models import OperationRun, ProductionEvent

MINUTE = Decimal("0.1")


def _run_url(record: OperationRun) -> str:
    return reverse("mes:operationrun_detail", args=[record.pk])


def _event_url(record: ProductionEvent) -> str:
    return reverse("mes:productionevent_detail", args=[record.pk])


class OperationRunTable(TaktTable):
    started_at = DateTimeColumn(verbose_name=_("Started"), linkify=_run_url)
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"), order_by=("machine__code",))
    order = tables.Column(
        accessor="operation__order__number", verbose_name=_("Order"), order_by=("operation__order__number",)
    )
    seq = tables.Column(accessor="operation__seq", verbose_name=_("Operation"), order_by=("operation__seq",))
    item = tables.Column(
        accessor="operation__order__item__code", verbose_name=_("Item"), order_by=("operation__order__item__code",)
    )
    good_qty = QuantityColumn(verbose_name=_("Good"))
    scrap_qty = QuantityColumn(verbose_name=_("Scrap"))
    run_minutes = DecimalColumn(accessor="run_seconds", verbose_name=_("Running (min)"), order_by=("run_seconds",))

    class Meta(TaktTable.Meta):
        model = OperationRun
        fields = ("started_at", "machine", "order", "seq", "item", "state", "good_qty", "scrap_qty", "run_minutes")
        attrs = {**TaktTable.Meta.attrs, "id": "operation-runs"}

    def render_run_minutes(self, value):
        return trim_decimal((value / 60).quantize(MINUTE), min_places=1)


class ProductionEventTable(TaktTable):
    at = DateTimeColumn(verbose_name=_("When"), linkify=_event_url, format="Y-m-d H:i:s")
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"), order_by=("machine__code",))
    order = tables.Column(
        accessor="operation__order__number", verbose_name=_("Order"), order_by=("operation__order__number",)
    )
    seq = tables.Column(accessor="operation__seq", verbose_name=_("Operation"), order_by=("operation__seq",))
    employee = tables.Column(accessor="employee__badge", verbose_name=_("Badge"), order_by=("employee__badge",))
    good_qty = QuantityColumn(verbose_name=_("Good"))
    scrap_qty = QuantityColumn(verbose_name=_("Scrap"))
    reason = tables.Column(verbose_name=_("Reason"), empty_values=(), orderable=False)
    lot = tables.Column(accessor="lot__code", verbose_name=_("Lot"), order_by=("lot__code",))
    quantity = QuantityColumn(verbose_name=_("Material"))

    class Meta(TaktTable.Meta):
        model = ProductionEvent
        fields = (
            "at",
            "kind",
            "machine",
            "order",
            "seq",
            "employee",
            "good_qty",
            "scrap_qty",
            "reason",
            "lot",
            "quantity",
            "source",
            "note",
        )
        attrs = {**TaktTable.Meta.attrs, "id": "production-events"}

    def render_reason(self, record):
        reason = record.scrap_reason or record.downtime_reason
        return reason.code if reason else "—"
