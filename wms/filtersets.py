"""FilterSets of the warehouse lists, shared by the screens and the API (`?item=KT-200&warehouse=MAIN`).

Items, locations and lots are filtered by the code people type or scan, not by a select of thousands.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter, date_range_filter, filterset
from core.forms import FilterForm
from core.models import Item, Partner
from wms import models
from wms.choices import LocationKind, MoveKind, RequestKind, RequestState

ABC_CLASSES = models.StockPolicy._meta.get_field("abc_class").choices


def _item(field_name: str = "item") -> django_filters.ModelChoiceFilter:
    return code_filter(Item.objects.all(), _("Item code"), field_name)


def _warehouse(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=models.Warehouse.objects.all(), to_field_name="code", field_name=field_name, label=_("Warehouse")
    )


def location_and_below(location: models.Location) -> list[int]:
    """The location and every location below it (a zone's bins), from one query of the tree."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in models.Location.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = [], [location.pk]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, ()))
    return found


def _in_location(field: str):
    def method(queryset, name, value):
        return queryset.filter(**{f"{field}__in": location_and_below(value)})

    return method


class QuantFilterSet(SearchFilterSet):
    """Stock by item, warehouse, location (a zone includes its bins) and lot; empty quants only on request."""

    search_fields = ("item__code", "item__name", "location__code", "lot__code")
    item = _item()
    warehouse = _warehouse("location__warehouse")
    location = code_filter(
        models.Location.objects.all(),
        _("Location code"),
        "location",
        method=_in_location("location_id"),
        help_text=_("A zone or aisle includes its bins."),
    )
    lot = django_filters.CharFilter(field_name="lot__code", lookup_expr="iexact", label=_("Lot or serial number"))
    stock = django_filters.ChoiceFilter(
        choices=[("positive", _("With stock")), ("all", _("All, empty ones too"))],
        empty_label=None,
        method="filter_stock",
        label=_("Show"),
    )

    class Meta:
        model = models.Quant
        fields = ["item", "warehouse", "location", "lot"]
        form = FilterForm

    def __init__(self, data=None, *args, **kwargs):
        # A list opened without filters is bound too, so that "with stock" applies from the start.
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def filter_stock(self, queryset, name, value):
        return queryset  # applied in filter_queryset, so that it holds when the field is left out too

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("stock") != "all":
            queryset = queryset.filter(quantity__gt=0)
        return queryset


def _move_location(queryset, name, value):
    return queryset.filter(Q(from_location=value) | Q(to_location=value))


class StockMoveFilterSet(SearchFilterSet):
    """The ledger by item, location (from or to), kind, reference, lot and date range."""

    search_fields = ("item__code", "reference", "note", "lot__code")
    item = _item()
    location = code_filter(models.Location.objects.all(), _("Location code"), "location", method=_move_location)
    kind = django_filters.ChoiceFilter(choices=MoveKind.choices)
    reference = django_filters.CharFilter(lookup_expr="icontains")
    lot = django_filters.CharFilter(field_name="lot__code", lookup_expr="iexact", label=_("Lot or serial number"))
    moved_at = django_filters.DateFromToRangeFilter(
        label=_("Moved between"), widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = models.StockMove
        fields = ["item", "location", "kind", "reference", "lot", "moved_at"]
        form = FilterForm


WarehouseFilterSet = filterset(models.Warehouse, ["site"])
LocationFilterSet = filterset(
    models.Location,
    ["kind", "quality_hold", "active"],
    search=("code", "name"),
    warehouse=_warehouse("warehouse"),
    kind=django_filters.ChoiceFilter(choices=LocationKind.choices),
    parent=code_filter(models.Location.objects.all(), _("Parent code"), "parent"),
)
LotFilterSet = filterset(
    models.Lot,
    ["item", "expiry_date"],
    search=("code", "item__code", "supplier_lot"),
    item=_item(),
    expiry_date=django_filters.DateFromToRangeFilter(
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    ),
)
StockPolicyFilterSet = filterset(
    models.StockPolicy,
    ["category", "removal_strategy", "requires_inspection", "abc_class"],
    search=("item__code", "item__name", "category__code"),
    item=_item(),
)
StockRequestFilterSet = filterset(
    models.StockRequest,
    ["kind", "state", "warehouse", "needed_on"],
    search=("number", "reference", "partner__code", "partner__name"),
    kind=django_filters.ChoiceFilter(choices=RequestKind.choices),
    state=django_filters.ChoiceFilter(choices=RequestState.choices),
    warehouse=_warehouse("warehouse"),
    needed_on=django_filters.DateFromToRangeFilter(
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    ),
)


# --- Receiving, put-away, picking, shipping, counting ------------------------------------------------------


def _number_filter(queryset, label: str, field_name: str) -> django_filters.ModelChoiceFilter:
    """A document by its number (`?wave=WV-2026-00003`), typed or scanned."""
    return code_filter(queryset, label, field_name, to_field_name="number")


ReceiptFilterSet = filterset(
    models.Receipt,
    ["state", "warehouse", "supplier", "expected_on"],
    search=("number", "reference", "asn_number", "supplier__code", "supplier__name"),
    state=django_filters.ChoiceFilter(choices=models.ReceiptState.choices),
    warehouse=_warehouse("warehouse"),
    supplier=code_filter(Partner.objects.all(), _("Supplier code"), "supplier"),
    expected_on=date_range_filter(),
)


ALL = "all"


class StockTaskFilterSet(SearchFilterSet):
    """Put-away and replenishment tasks; open ones unless another state (or `all`) is asked."""

    search_fields = ("item__code", "item__name", "from_location__code", "to_location__code", "receipt__number")
    purpose = django_filters.ChoiceFilter(choices=models.TaskPurpose.choices)
    state = django_filters.ChoiceFilter(
        choices=[*models.TaskState.choices, (ALL, _("All"))],
        empty_label=None,
        method="filter_state",
        help_text=_("Open tasks unless another state is chosen; `all` for every task."),
    )
    warehouse = _warehouse("warehouse")
    item = _item()
    receipt = _number_filter(models.Receipt.objects.all(), _("Receipt number"), "receipt")

    class Meta:
        model = models.StockTask
        fields = ["purpose", "state", "warehouse", "item", "receipt"]
        form = FilterForm

    def __init__(self, data=None, *args, **kwargs):
        # Bound even without filters, so that "open" applies from the start.
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def filter_state(self, queryset, name, value):
        return queryset  # applied in filter_queryset, so that it holds when the field is left out too

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        state = self.form.cleaned_data.get("state") or models.TaskState.OPEN
        return queryset if state == ALL else queryset.filter(state=state)


PickListFilterSet = filterset(
    models.PickList,
    ["state", "warehouse", "wave"],
    search=("number", "request__number", "request__reference"),
    state=django_filters.ChoiceFilter(choices=models.PickState.choices),
    warehouse=_warehouse("request__warehouse"),
    wave=_number_filter(models.Wave.objects.all(), _("Wave number"), "wave"),
)
PickLineFilterSet = filterset(
    models.PickLine,
    ["pick_list", "wave", "item"],
    search=("item__code", "from_location__code", "pick_list__number"),
    pick_list=_number_filter(models.PickList.objects.all(), _("Pick list number"), "pick_list"),
    wave=_number_filter(models.Wave.objects.all(), _("Wave number"), "pick_list__wave"),
    item=_item(),
)
WaveFilterSet = filterset(models.Wave, ["warehouse"], search=("number",), warehouse=_warehouse("warehouse"))
ShipmentFilterSet = filterset(
    models.Shipment,
    ["shipped", "carrier"],
    search=("number", "tracking_number", "carrier", "request__number", "request__reference", "request__partner__code"),
    shipped=django_filters.BooleanFilter(field_name="shipped_at", lookup_expr="isnull", exclude=True),
    carrier=django_filters.CharFilter(lookup_expr="icontains"),
)
CycleCountFilterSet = filterset(
    models.CycleCount,
    ["state", "warehouse", "abc_class"],
    search=("number", "location__code"),
    state=django_filters.ChoiceFilter(choices=models.CountState.choices),
    warehouse=_warehouse("warehouse"),
    abc_class=django_filters.ChoiceFilter(choices=ABC_CLASSES, label=_("ABC class")),
)
ReplenishmentRuleFilterSet = filterset(
    models.ReplenishmentRule,
    ["warehouse", "item", "location"],
    search=("item__code", "item__name", "location__code"),
    warehouse=_warehouse("location__warehouse"),
    item=_item(),
    location=code_filter(
        models.Location.objects.all(),
        _("Location code"),
        "location",
        method=_in_location("location_id"),
        help_text=_("A zone or aisle includes its bins."),
    ),
)
