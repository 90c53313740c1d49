"""Forms of the planning screens: generating the forecast, adjusting a month, the MPS grid and its fill."""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aps.selectors.mrp import MAX_WEEKS
from aps.services.forecast import MAX_HISTORY_MONTHS, MAX_HORIZON_MONTHS
from core.formatting import format_quantity
from core.forms import DATE, BootstrapWidgetsMixin, CodeField
from core.models import Item


class ForecastGenerateForm(BootstrapWidgetsMixin, forms.Form):
    horizon_months = forms.IntegerField(label=_("Months ahead"), initial=6, min_value=1, max_value=MAX_HORIZON_MONTHS)
    history_months = forms.IntegerField(
        label=_("Months of history"), initial=24, min_value=1, max_value=MAX_HISTORY_MONTHS
    )


class ForecastAdjustForm(BootstrapWidgetsMixin, forms.Form):
    """A planner's figure for one month; empty puts the statistical figure back."""

    adjusted_qty = forms.DecimalField(label=_("Adjusted quantity"), required=False, max_digits=18, decimal_places=6)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class WeeksForm(BootstrapWidgetsMixin, forms.Form):
    """Which weeks a planning page shows: from the Monday of `first_week`'s week."""

    first_week = forms.DateField(label=_("From the week of"), widget=DATE, required=False)
    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=MAX_WEEKS, required=False)

    def weeks_shown(self, today: datetime.date, default_weeks: int = 13) -> tuple[datetime.date, int]:
        data = self.cleaned_data if self.is_valid() else {}
        day = data.get("first_week") or today
        return day - datetime.timedelta(days=day.weekday()), data.get("weeks") or default_weeks


class ScheduleFillForm(BootstrapWidgetsMixin, forms.Form):
    first_week = forms.DateField(label=_("From the week of"), widget=DATE)
    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=MAX_WEEKS, initial=13)


def cell_name(item_id: int | str, week: datetime.date) -> str:
    return f"q_{item_id}_{week:%Y%m%d}"


NEW_ROW = "new"


class ScheduleGridForm(forms.Form):
    """The MPS grid: one quantity per item and week, and a row to schedule an item not on the grid yet.

    Initial values are the entries as they are, so `changed_cells()` are the cells the planner changed:
    a number sets the week (zero included), an emptied cell removes the week's entry.
    """

    new_item = CodeField(Item.objects.filter(active=True), what=_("active item"), required=False, label=_("Item"))

    def __init__(self, *args, items: list[Item], weeks: list[datetime.date], entries: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.items, self.weeks = items, weeks
        self.fields["new_item"].widget.attrs.update(
            {"class": "form-control form-control-sm", "placeholder": _("Item code")}
        )
        for item in items:
            for week in weeks:
                name = cell_name(item.pk, week)
                self.fields[name] = self._cell(item.uom.decimals, f"{item.code} {week:%Y-%m-%d}")
                quantity = entries.get((item.pk, week))
                if quantity is not None:
                    self.initial[name] = Decimal(format_quantity(quantity))  # 10, not 1E+1
        for week in weeks:
            self.fields[cell_name(NEW_ROW, week)] = self._cell(6, f"{_('New item')} {week:%Y-%m-%d}")

    @staticmethod
    def _cell(decimals: int, label: str) -> forms.DecimalField:
        return forms.DecimalField(
            label=label,
            required=False,
            min_value=Decimal(0),
            max_digits=18,
            decimal_places=decimals,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control form-control-sm text-end"}),
        )

    def clean(self):
        data = super().clean()
        new_item = data.get("new_item")
        typed = [week for week in self.weeks if data.get(cell_name(NEW_ROW, week)) is not None]
        if typed and new_item is None and "new_item" not in self.errors:
            self.add_error("new_item", ValidationError(_("Name the item to schedule."), code="required"))
        if new_item is not None and any(item.pk == new_item.pk for item in self.items):
            self.add_error("new_item", ValidationError(_("%(item)s is on the grid already.") % {"item": new_item.code}))
        if new_item is not None:
            for week in typed:
                precision = new_item.precision_error(data[cell_name(NEW_ROW, week)], code="too_precise")
                if precision is not None:
                    self.add_error(cell_name(NEW_ROW, week), precision)
        return data

    def changed_cells(self) -> list[tuple[Item, datetime.date, Decimal | None]]:
        """(item, week, quantity or None to remove) of every cell the planner changed."""
        changed = set(self.changed_data)
        cells = [
            (item, week, self.cleaned_data[cell_name(item.pk, week)])
            for item in self.items
            for week in self.weeks
            if cell_name(item.pk, week) in changed
        ]
        new_item = self.cleaned_data.get("new_item")
        if new_item is not None:
            cells += [
                (new_item, week, self.cleaned_data[cell_name(NEW_ROW, week)])
                for week in self.weeks
                if self.cleaned_data.get(cell_name(NEW_ROW, week)) is not None
            ]
        return cells

    def rows(self):
        """(item or None for the new row, [(week, bound field)]) for the template."""
        for item in self.items:
            yield item, [(week, self[cell_name(item.pk, week)]) for week in self.weeks]
        yield None, [(week, self[cell_name(NEW_ROW, week)]) for week in self.weeks]
