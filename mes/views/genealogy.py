"""Genealogy pages: find a lot or serial (a scanner types the code and Enter), trace it backward to the
lots it was made from or forward to what was made from it, as a tree; and the recall list of a suspect
lot, as a page and a CSV file."""

import csv
from collections.abc import Iterator
from functools import cached_property

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from core.exports import xlsx_response
from core.formatting import format_quantity, spreadsheet_safe
from core.navigation import MenuItem
from core.views.generic import ModelPermissionMixin
from mes.models import LotLink
from mes.selectors.genealogy import Recall, TraceDirection, lot_search, lot_trace, lots_by_code, recall_list
from wms.models import Lot


class LotSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Lot or serial number"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "class": "form-control", "autocomplete": "off"}),
    )


class GenealogyPage(ModelPermissionMixin, generic.TemplateView):
    # The links are what every genealogy page reads: whoever may see them may trace.
    model = LotLink


class LotSearchView(GenealogyPage):
    """Lots whose code contains the text; a code that names exactly one lot opens its trace at once."""

    template_name = "mes/genealogy/search.html"

    @cached_property
    def form(self) -> LotSearchForm:
        return LotSearchForm(self.request.GET or None)

    def get(self, request, *args, **kwargs):
        if self.form.is_valid() and self.form.cleaned_data["q"]:
            exact = lots_by_code(code=self.form.cleaned_data["q"])
            if len(exact) == 1:
                return redirect("mes:lot_backward", pk=exact[0].pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        if self.form.is_valid() and self.form.cleaned_data["q"]:
            context["lots"] = lot_search(text=self.form.cleaned_data["q"])
        return context


class LotTraceView(GenealogyPage):
    """The tree of a lot, backward or forward: each lot with its orders, machines, operators, events,
    inspections, receipts and shipments, folded away until opened."""

    template_name = "mes/genealogy/trace.html"
    direction: str = TraceDirection.BACKWARD

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lot = get_object_or_404(Lot.objects.select_related("item__uom"), pk=self.kwargs["pk"])
        context.update(lot=lot, trace=lot_trace(lot=lot, direction=self.direction), direction=self.direction)
        return context


CSV_HEADER = [
    gettext_lazy("Level"),
    gettext_lazy("Item"),
    gettext_lazy("Item name"),
    gettext_lazy("Lot / serial"),
    gettext_lazy("Made on"),
    gettext_lazy("Finished"),
    gettext_lazy("Status"),
    gettext_lazy("Location"),
    gettext_lazy("Quantity"),
    gettext_lazy("Unit"),
    gettext_lazy("Customer"),
    gettext_lazy("Customer name"),
    gettext_lazy("Sales order"),
    gettext_lazy("Delivery note"),
    gettext_lazy("Shipped at"),
]


def recall_rows(recall: Recall) -> Iterator[list]:
    """One row per place a recalled lot is: each location it is on hand in, each shipment to a customer;
    a lot that is in neither (used in something untracked, scrapped) gets one row saying so."""
    yield [str(title) for title in CSV_HEADER]
    for line in recall.lines:
        lot = line.lot
        head = [
            line.depth,
            lot.item.code,
            lot.item.name,
            lot.code,
            " ".join(order.number for order in line.record.orders),
            _("yes") if line.finished else _("no"),
        ]
        unit = lot.item.uom.code
        for quant in line.on_hand:
            yield [*head, _("in stock"), quant.location.code, format_quantity(quant.quantity), unit, "", "", "", "", ""]
        for shipment in line.shipments:
            customer = shipment.customer
            yield [
                *head,
                _("shipped"),
                "",
                format_quantity(shipment.quantity),
                unit,
                customer.code if customer else "",
                customer.name if customer else "",
                shipment.reference,
                shipment.delivery_note,
                timezone.localtime(shipment.shipped_at).strftime("%Y-%m-%d %H:%M"),
            ]
        if not line.on_hand and not line.shipments:
            yield [*head, _("used up"), "", "", unit, "", "", "", "", ""]


class LotRecallView(GenealogyPage):
    """Everything made from a suspect lot that is still somewhere, and where; `?export=csv` or `?export=xlsx`
    as a file."""

    template_name = "mes/genealogy/recall.html"

    @cached_property
    def lot(self) -> Lot:
        return get_object_or_404(Lot.objects.select_related("item__uom"), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        name = slugify(f"recall {self.lot.item.code} {self.lot.code}")
        if request.GET.get("export") == "xlsx":
            return xlsx_response(recall_rows(recall_list(lot=self.lot)), name, _("Recall list"))
        if request.GET.get("export") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            # Codes and names are typed by people: a cell that starts like a formula must stay text.
            csv.writer(response).writerows(
                [spreadsheet_safe(cell) for cell in row] for row in recall_rows(recall_list(lot=self.lot))
            )
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            lot=self.lot,
            recall=recall_list(lot=self.lot),
            csv_url=f"{reverse('mes:lot_recall', args=[self.lot.pk])}?export=csv",
            xlsx_url=f"{reverse('mes:lot_recall', args=[self.lot.pk])}?export=xlsx",
        )
        return context


urlpatterns = [
    path("genealogy/", LotSearchView.as_view(), name="genealogy"),
    path(
        "genealogy/lots/<int:pk>/backward/",
        LotTraceView.as_view(direction=TraceDirection.BACKWARD),
        name="lot_backward",
    ),
    path(
        "genealogy/lots/<int:pk>/forward/",
        LotTraceView.as_view(direction=TraceDirection.FORWARD),
        name="lot_forward",
    ),
    path("genealogy/lots/<int:pk>/recall/", LotRecallView.as_view(), name="lot_recall"),
]
MENU = (MenuItem(gettext_lazy("Genealogy"), "mes:genealogy", "mes.view_lotlink"),)
