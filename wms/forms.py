"""Forms of the warehouse screens. Items, locations and lots are typed or scanned as codes."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapWidgetsMixin, CodeField, CodesShownMixin, TaktModelForm
from core.models import Item
from wms.choices import VIRTUAL_KINDS, RequestState
from wms.models import (
    Location,
    Lot,
    Package,
    PickState,
    ReplenishmentRule,
    Reservation,
    StockPolicy,
    StockRequest,
    Warehouse,
)
from wms.services.locations import location_check

WAREHOUSE_PLACES = ("stock_location", "receiving_location", "quality_location", "output_location")


def _place(name: str) -> CodeField:
    model_field = Warehouse._meta.get_field(name)
    return CodeField(
        Location.objects.exclude(kind__in=VIRTUAL_KINDS),
        what=_("location"),
        required=False,
        label=capfirst(model_field.verbose_name),
        help_text=model_field.help_text,
    )


class WarehouseForm(CodesShownMixin, TaktModelForm):
    """A warehouse and its places, named by location code; each must be a location of this warehouse."""

    stock_location = _place("stock_location")
    receiving_location = _place("receiving_location")
    quality_location = _place("quality_location")
    output_location = _place("output_location")

    class Meta:
        model = Warehouse
        fields = ("code", "name", "site", *WAREHOUSE_PLACES)

    def clean(self):
        cleaned = super().clean()
        for name in WAREHOUSE_PLACES:
            location = cleaned.get(name)
            if location is not None and (self.instance.pk is None or location.warehouse_id != self.instance.pk):
                self.add_error(name, _("Choose a location of this warehouse (save the warehouse first)."))
        quality = cleaned.get("quality_location")
        if quality is not None and not quality.quality_hold:
            self.add_error(
                "quality_location", _("%(location)s is not a quality-hold location.") % {"location": quality.code}
            )
        return cleaned


class LocationForm(CodesShownMixin, TaktModelForm):
    parent = CodeField(
        Location.objects.all(),
        what=_("location"),
        required=False,
        help_text=_("The zone or aisle this location is in (a view location), by its code."),
    )

    class Meta:
        model = Location
        fields = (
            "code",
            "name",
            "kind",
            "warehouse",
            "parent",
            "pick_sequence",
            "capacity_qty",
            "capacity_kg",
            "quality_hold",
            "active",
        )

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        try:
            location_check(location=self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


class LotForm(CodesShownMixin, TaktModelForm):
    item = CodeField(Item.objects.all(), what=_("item"), label=_("Item code"))

    class Meta:
        model = Lot
        fields = ("item", "code", "expiry_date", "supplier_lot")
        widgets = {"expiry_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a lot never changes its item: its stock and history are that item's
            self.fields["item"].disabled = True


class StockPolicyForm(CodesShownMixin, TaktModelForm):
    item = CodeField(
        Item.objects.all(),
        what=_("item"),
        label=_("Item code"),
        required=False,
        help_text=_("Either one item or a category of items."),
    )

    class Meta:
        model = StockPolicy
        fields = ("item", "category", "removal_strategy", "requires_inspection", "abc_class")


# --- Warehouse staff: move stock, count -----------------------------------------------------------------


QUANTITY = {"max_digits": 18, "decimal_places": 6}


def _lot_of(form: forms.Form, item: Item | None, code: str) -> Lot | None:
    if not code or item is None:
        return None
    lot = Lot.objects.filter(item=item, code=code).first()
    if lot is None:
        form.add_error("lot", _("There is no lot %(lot)s of %(item)s.") % {"lot": code, "item": item.code})
    return lot


class StockTransferForm(BootstrapWidgetsMixin, forms.Form):
    item = CodeField(Item.objects.select_related("uom"), what=_("item"), label=_("Item code"))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.000001"), **QUANTITY)
    from_location = CodeField(Location.objects.all(), what=_("location"), label=_("From location"))
    to_location = CodeField(Location.objects.all(), what=_("location"), label=_("To location"))
    lot = forms.CharField(
        label=_("Lot or serial number"), required=False, help_text=_("For lot- and serial-tracked items.")
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["lot"] = _lot_of(self, cleaned.get("item"), cleaned.get("lot", "").strip())
        return cleaned


class StockCountForm(BootstrapWidgetsMixin, forms.Form):
    location = CodeField(Location.objects.all(), what=_("location"), label=_("Location"))
    item = CodeField(Item.objects.select_related("uom"), what=_("item"), label=_("Item code"))
    lot = forms.CharField(
        label=_("Lot or serial number"),
        required=False,
        max_length=Lot._meta.get_field("code").max_length,
        help_text=_("A lot not known yet is created: stock found in the count."),
    )
    counted = forms.DecimalField(label=_("Counted quantity"), min_value=0, **QUANTITY)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=255)


# --- Planner and manager screens: waves, packing, cycle counts, replenishment, quality ------------------------


def _warehouse_choice(**kwargs) -> forms.ModelChoiceField:
    """The warehouse, preselected when there is only one."""
    return forms.ModelChoiceField(Warehouse.objects.order_by("code"), label=_("Warehouse"), **kwargs)


def _preselect_only_warehouse(form: forms.Form) -> None:
    warehouses = list(Warehouse.objects.order_by("code")[:2])
    if len(warehouses) == 1 and not form.is_bound:
        form.initial.setdefault("warehouse", warehouses[0].pk)


class WaveForm(BootstrapWidgetsMixin, forms.Form):
    """Release reserved requests of one warehouse together: one pick list each, walked as one path."""

    warehouse = _warehouse_choice()
    requests = forms.ModelMultipleChoiceField(
        StockRequest.objects.none(),
        label=_("Requests"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Reserved requests without an open pick list."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _preselect_only_warehouse(self)
        in_bins = Reservation.objects.filter(line__request=OuterRef("pk")).exclude(
            quant__location=OuterRef("warehouse__output_location")
        )
        self.fields["requests"].queryset = (
            StockRequest.objects.filter(state__in=(RequestState.RESERVED, RequestState.PARTIAL))
            .filter(Exists(in_bins))  # reserved stock still in its bins: something to pick
            .exclude(pick_lists__state=PickState.OPEN)
            .select_related("warehouse", "partner")
            .order_by("needed_on", "number")
        )
        self.fields["requests"].label_from_instance = lambda r: " · ".join(
            part for part in (r.number, r.reference, r.partner.code if r.partner else "", r.warehouse.code) if part
        )
        self.fields["requests"].widget.attrs["class"] = "form-check-input"


class PackForm(BootstrapWidgetsMixin, forms.Form):
    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=100)
    tracking_number = forms.CharField(
        label=_("Tracking number"), required=False, max_length=100, help_text=_("Or give it when the truck leaves.")
    )


class PackageForm(BootstrapWidgetsMixin, forms.ModelForm):
    class Meta:
        model = Package
        fields = ("code", "weight_kg", "contents")
        widgets = {"contents": forms.TextInput()}


PackageFormSet = forms.formset_factory(PackageForm, extra=3, min_num=1, validate_min=True)


class ShipForm(BootstrapWidgetsMixin, forms.Form):
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=100)


class CycleCountForm(BootstrapWidgetsMixin, forms.Form):
    """A count of a zone's (or one bin's) stock, or of every item of an ABC class."""

    warehouse = _warehouse_choice()
    location = CodeField(
        Location.objects.all(),
        what=_("location"),
        required=False,
        label=_("Zone or bin code"),
        help_text=_("Every stocked bin under it is counted."),
    )
    abc_class = forms.ChoiceField(
        label=_("Or ABC class"),
        required=False,
        choices=[("", "—"), *StockPolicy._meta.get_field("abc_class").choices],
        help_text=_("Every item of the class, wherever it is in the warehouse."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _preselect_only_warehouse(self)

    def clean(self):
        cleaned = super().clean()
        location, abc_class, warehouse = cleaned.get("location"), cleaned.get("abc_class"), cleaned.get("warehouse")
        if "location" in cleaned and bool(location) == bool(abc_class):
            raise ValidationError(_("Count either a zone (or bin) or an ABC class."), code="scope")
        if location is not None and warehouse is not None and location.warehouse_id != warehouse.pk:
            self.add_error(
                "location",
                _("%(location)s is not in %(warehouse)s.") % {"location": location.code, "warehouse": warehouse.code},
            )
        return cleaned


def bin_problem(location: Location) -> str | None:
    """Why a location cannot be a pick face, or None."""
    if not location.holds_stock or location.warehouse_id is None:
        return _("%(location)s is not a bin; a pick face is one bin.") % {"location": location.code}
    if location.quality_hold:
        return _("%(location)s is a quality-hold location.") % {"location": location.code}
    return None


class ReplenishmentRuleForm(CodesShownMixin, TaktModelForm):
    location = CodeField(
        Location.objects.all(), what=_("location"), label=_("Pick face (bin code)"), help_text=_("The bin to refill.")
    )
    item = CodeField(Item.objects.all(), what=_("item"), label=_("Item code"))

    class Meta:
        model = ReplenishmentRule
        fields = ("location", "item", "min_qty", "max_qty")

    def clean_location(self):
        location = self.cleaned_data["location"]
        problem = bin_problem(location)
        if problem:
            raise ValidationError(problem, code="not_a_bin")
        return location


class ReplenishmentPlanForm(BootstrapWidgetsMixin, forms.Form):
    warehouse = _warehouse_choice()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _preselect_only_warehouse(self)


class QualityDecisionForm(BootstrapWidgetsMixin, forms.Form):
    """Release or reject stock waiting in quality hold."""

    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.000001"), **QUANTITY)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=255)
