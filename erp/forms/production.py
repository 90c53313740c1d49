"""Forms of the production screens: an order's header, what the floor reports on it, and the variance
report's filter. Items and locations are typed (or scanned) by their code."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.choices import Procurement
from core.forms import BootstrapWidgetsMixin, CodeField
from core.models import Item
from erp.choices import OperationState, SalesOrderState
from erp.models import ProductionOrder, SalesOrderLine
from wms.choices import LocationKind
from wms.models import Location, Lot, Warehouse

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QUANTITY = {"max_digits": 18, "decimal_places": 6}
MINUTES = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal(0)}
# Sales order lines a production order may make for: confirmed and not yet shipped in full.
OPEN_SALES_STATES = (SalesOrderState.CONFIRMED, SalesOrderState.IN_PRODUCTION, SalesOrderState.PARTIALLY_SHIPPED)


def _bin(**kwargs) -> CodeField:
    return CodeField(Location.objects.filter(kind=LocationKind.INTERNAL), what=_("bin"), label=_("Location"), **kwargs)


class ProductionOrderForm(BootstrapWidgetsMixin, forms.Form):
    """A planned order's header; handed to production_order_create / production_order_update."""

    item = CodeField(
        Item.objects.filter(active=True, procurement=Procurement.MAKE).select_related("uom"),
        what=_("item made here"),
        label=_("Item code"),
    )
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal(0), **QUANTITY)
    due_date = forms.DateField(widget=DATE, label=_("Due date"))
    start_date = forms.DateField(
        widget=DATE, required=False, label=_("Start date"), help_text=_("Default: the item's lead time before due.")
    )
    warehouse = forms.ModelChoiceField(Warehouse.objects.order_by("code"), label=_("Warehouse"))
    sales_order_line = forms.ModelChoiceField(
        SalesOrderLine.objects.none(), required=False, label=_("For sales order line")
    )

    def __init__(self, *args, order: ProductionOrder | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        lines = SalesOrderLine.objects.filter(order__state__in=OPEN_SALES_STATES)
        if order is not None:
            # The item is fixed once the order exists; the line already chosen stays choosable.
            self.fields["item"].disabled = True
            lines = lines | SalesOrderLine.objects.filter(pk=order.sales_order_line_id)
            self.initial.update(
                item=order.item.code,
                quantity=order.quantity,
                due_date=order.due_date,
                start_date=order.start_date,
                warehouse=order.warehouse_id,
                sales_order_line=order.sales_order_line_id,
            )
        field = self.fields["sales_order_line"]
        field.queryset = lines.select_related("order__customer", "item").order_by("-order__number", "position")
        field.label_from_instance = lambda line: (
            f"{line.order.number}/{line.position} · {line.order.customer.code} · {line.item.code}"
        )
        warehouses = list(Warehouse.objects.order_by("code")[:2])
        if len(warehouses) == 1 and not self.is_bound:
            self.initial.setdefault("warehouse", warehouses[0].pk)


class OperationReportForm(BootstrapWidgetsMixin, forms.Form):
    """What was done on an operation: good and scrapped units, machine and labor minutes."""

    operation = forms.ModelChoiceField(queryset=None, label=_("Operation"))
    good_qty = forms.DecimalField(label=_("Good"), required=False, min_value=Decimal(0), **QUANTITY)
    scrap_qty = forms.DecimalField(label=_("Scrapped"), required=False, min_value=Decimal(0), **QUANTITY)
    machine_minutes = forms.DecimalField(label=_("Machine minutes"), required=False, **MINUTES)
    labor_minutes = forms.DecimalField(
        label=_("Labor minutes"), required=False, help_text=_("Default: machine minutes x crew."), **MINUTES
    )

    def __init__(self, *args, order: ProductionOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operation"].queryset = order.operations.filter(
            state__in=(OperationState.READY, OperationState.IN_PROGRESS)
        ).select_related("work_center")
        self.fields["operation"].label_from_instance = lambda op: f"{op.seq} {op.name} · {op.work_center.code}"


class MaterialIssueForm(BootstrapWidgetsMixin, forms.Form):
    """A quantity of one component taken to production: from its reservations, else from the bin named."""

    component = forms.ModelChoiceField(queryset=None, label=_("Component"))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal(0), **QUANTITY)
    location = _bin(required=False, help_text=_("Where it was taken from; needed beyond what is reserved."))
    lot = forms.CharField(label=_("Lot or serial number"), required=False, max_length=64)

    def __init__(self, *args, order: ProductionOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = order.components.select_related("item__uom")
        self.fields["component"].label_from_instance = lambda c: f"{c.item.code} {c.item.name} ({c.item.uom.code})"

    def clean(self):
        cleaned = super().clean()
        code, component = cleaned.get("lot"), cleaned.get("component")
        cleaned["lot"] = None
        if code and component is not None:
            lot = Lot.objects.filter(item=component.item, code=code.strip()).first()
            if lot is None:
                message = _("%(item)s has no lot %(lot)s.") % {"item": component.item.code, "lot": code}
                raise ValidationError({"lot": message})
            cleaned["lot"] = lot
        return cleaned


class BackflushForm(BootstrapWidgetsMixin, forms.Form):
    quantity = forms.DecimalField(
        label=_("Units made"), min_value=Decimal(0), help_text=_("Every component is issued for them."), **QUANTITY
    )
    location = _bin(required=False, help_text=_("For what the reservations do not cover."))


class OutputReceiveForm(BootstrapWidgetsMixin, forms.Form):
    quantity = forms.DecimalField(label=_("Good units"), min_value=Decimal(0), **QUANTITY)
    lot_code = forms.CharField(label=_("Lot or serial number"), required=False, max_length=64)
    location = _bin(required=False, help_text=_("Default: the receiving dock, with put-away tasks."))


class VarianceReportForm(BootstrapWidgetsMixin, forms.Form):
    date_from = forms.DateField(widget=DATE, required=False, label=_("Closed from"))
    date_to = forms.DateField(widget=DATE, required=False, label=_("Closed until"))
    item = CodeField(Item.objects.all(), what=_("item"), required=False, label=_("Item code"))
