"""Forms of the sourcing screens. They only collect input: the services decide, and their refusals are put
back onto the form (`core.forms.add_service_errors`)."""

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.formatting import format_quantity
from core.forms import BootstrapWidgetsMixin, CodeField
from core.models import Currency, Item, Partner
from srm.models import Rfq, RfqLine, SupplierQuote
from srm.selectors.sourcing import Comparison
from wms.models import Warehouse

QUANTITY = {"max_digits": 18, "decimal_places": 6}
POSITIVE = Decimal("0.000001")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def active_suppliers():
    return Partner.objects.filter(kind__in=(PartnerKind.SUPPLIER, PartnerKind.BOTH), active=True).order_by("code")


def warehouse_field() -> forms.ModelChoiceField:
    """Where the goods of the orders made are received; preset when there is one warehouse only."""
    warehouses = Warehouse.objects.order_by("code")
    only = list(warehouses[:2])
    return forms.ModelChoiceField(
        warehouses,
        label=_("Receive in"),
        initial=only[0].pk if len(only) == 1 else None,
        help_text=_("The warehouse the purchase orders are received in."),
    )


class RfqForm(BootstrapWidgetsMixin, forms.Form):
    """The header of an RFQ; its lines and suppliers are edited on its page."""

    title = forms.CharField(label=_("Title"), max_length=200)
    respond_by = forms.DateField(label=_("Respond by"), widget=DATE, help_text=_("The last day suppliers may quote."))
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"),
        label=_("Currency"),
        required=False,
        empty_label=_("(the company's)"),
        help_text=_("The currency quotes are asked in."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, rfq: Rfq | None = None, **kwargs):
        if rfq is not None:
            kwargs.setdefault(
                "initial",
                {"title": rfq.title, "respond_by": rfq.respond_by, "currency": rfq.currency_id, "notes": rfq.notes},
            )
        super().__init__(*args, **kwargs)
        if rfq is None:
            self.fields["respond_by"].initial = timezone.localdate() + datetime.timedelta(days=7)


class RfqLineForm(BootstrapWidgetsMixin, forms.Form):
    item = CodeField(Item.objects.all(), what=_("item"), label=_("Item code"))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=POSITIVE, **QUANTITY)
    required_date = forms.DateField(label=_("Required date"), widget=DATE, required=False)


class InviteForm(BootstrapWidgetsMixin, forms.Form):
    suppliers = forms.ModelMultipleChoiceField(
        active_suppliers(), label=_("Suppliers"), widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args, rfq: Rfq, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suppliers"].queryset = active_suppliers().exclude(rfq_invitations__rfq=rfq)


def _quantity(value: Decimal | None) -> str:
    return format_quantity(value) if value is not None else ""


class QuoteForm(BootstrapWidgetsMixin, forms.Form):
    """A supplier's quote as a buyer types it in: per RFQ line the price, lead time, minimum and quantity
    offered; a line without a price is not quoted. Prefilled with the supplier's earlier quote."""

    reference = forms.CharField(label=_("Supplier's quote number"), max_length=100, required=False)
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"), label=_("Currency"), required=False, empty_label=_("(the RFQ's)")
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rfq: Rfq, lines: list[RfqLine], quote: SupplierQuote | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rfq_lines = lines
        earlier = {line.rfq_line_id: line for line in quote.lines.all()} if quote is not None else {}
        if quote is not None:
            self.fields["reference"].initial = quote.reference
            self.fields["currency"].initial = quote.currency_id
            self.fields["valid_until"].initial = quote.valid_until
            self.fields["notes"].initial = quote.notes
        for line in lines:
            given = earlier.get(line.pk)
            what = {"position": line.position}
            self.fields[f"price_{line.pk}"] = forms.DecimalField(
                label=_("Unit price of line %(position)s") % what,
                min_value=POSITIVE,
                required=False,
                initial=_quantity(given.unit_price) if given else "",
                **QUANTITY,
            )
            self.fields[f"lead_{line.pk}"] = forms.IntegerField(
                label=_("Lead time (days) of line %(position)s") % what,
                min_value=0,
                required=False,
                initial=given.lead_time_days if given else None,
            )
            self.fields[f"moq_{line.pk}"] = forms.DecimalField(
                label=_("Minimum order of line %(position)s") % what,
                min_value=0,
                required=False,
                initial=_quantity(given.min_order_qty) if given else "",
                **QUANTITY,
            )
            self.fields[f"quantity_{line.pk}"] = forms.DecimalField(
                label=_("Quantity offered of line %(position)s") % what,
                min_value=POSITIVE,
                required=False,
                initial=_quantity(given.quantity if given else line.quantity),
                **QUANTITY,
            )

    @property
    def rows(self):
        """(RFQ line, price, lead time, minimum, quantity fields) per line, for the template."""
        return [
            (line, *(self[f"{name}_{line.pk}"] for name in ("price", "lead", "moq", "quantity")))
            for line in self.rfq_lines
        ]

    def clean(self):
        cleaned = super().clean()
        lines = []
        for line in self.rfq_lines:
            price = cleaned.get(f"price_{line.pk}")
            if price is None:
                continue
            lead = cleaned.get(f"lead_{line.pk}")
            if lead is None:
                self.add_error(f"lead_{line.pk}", _("Enter the lead time quoted."))
                continue
            lines.append(
                {
                    "rfq_line": line,
                    "unit_price": price,
                    "lead_time_days": lead,
                    "min_order_qty": cleaned.get(f"moq_{line.pk}") or Decimal(0),
                    "quantity": cleaned.get(f"quantity_{line.pk}"),
                }
            )
        if not lines and not self.errors:
            raise forms.ValidationError(_("Enter the price of at least one line."), code="required")
        cleaned["lines"] = lines
        return cleaned


class AwardForm(BootstrapWidgetsMixin, forms.Form):
    """Per RFQ line, the supplier's quote line to buy (or none), and where the orders are received."""

    register_prices = forms.BooleanField(
        label=_("Keep the prices bought as the suppliers' prices"), required=False, initial=False
    )

    def __init__(self, *args, comparison: Comparison, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = warehouse_field()
        self.comparison = comparison
        self.choice_lines = {}
        for row in comparison.lines:
            choices = [("", _("(do not buy)"))] + [
                (str(cell.quote_line.pk), cell.quote.supplier.code) for cell in row.cells if cell is not None
            ]
            best = row.best.quote_line.pk if row.best is not None else ""
            self.fields[f"line_{row.line.pk}"] = forms.ChoiceField(
                label=_("Line %(position)s %(item)s") % {"position": row.line.position, "item": row.line.item.code},
                choices=choices,
                required=False,
                initial=str(best),
                widget=forms.RadioSelect,
            )
            self.choice_lines[row.line.pk] = {cell.quote_line.pk: cell.quote_line for cell in row.cells if cell}

    def clean(self):
        cleaned = super().clean()
        chosen = []
        for line_pk, quote_lines in self.choice_lines.items():
            value = cleaned.get(f"line_{line_pk}")
            if value:
                chosen.append(quote_lines[int(value)])
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Choose the quote to buy at least one line from."), code="required")
        cleaned["choices"] = chosen
        return cleaned
