"""Warehouse screens: an item's stock, stock requests and their commands, and the two pages of the
warehouse floor (move stock, count). Every change of stock is a call to wms.services: a refusal is
shown on the page and nothing is posted."""

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.formatting import trim_decimal
from core.models import Item
from core.views.generic import ModelPermissionMixin, ObjectDetailView
from wms import forms
from wms.choices import RequestState
from wms.models import Lot, Reservation, StockMove, StockRequest
from wms.selectors.item_stock import item_stock
from wms.services import moves, requests

ZERO = Decimal(0)
MOVES_SHOWN = 50


def _run(request, action: Callable[[], object], success: str, back: str) -> HttpResponseRedirect:
    """Call a service; its refusal becomes a message on the page, never an error page."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(back)


def _qty(value: Decimal) -> str:
    return trim_decimal(value, min_places=0)


class ItemStockView(ModelPermissionMixin, generic.DetailView):
    """One item's stock: on hand, reserved and available per warehouse and location, and its last moves."""

    model = Item
    template_name = "wms/item_stock.html"
    queryset = Item.objects.select_related("uom", "category")

    def get_permission_required(self):
        return ["core.view_item", "wms.view_quant", "wms.view_stockmove"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.object
        stock = item_stock(item=item)
        context.update(
            quants=stock.quants,
            warehouses=stock.warehouses,
            overall=stock.totals,
            moves=StockMove.objects.filter(item=item)
            .select_related("lot", "from_location", "to_location", "moved_by")
            .order_by("-moved_at", "-id")[:MOVES_SHOWN],
            moves_shown=MOVES_SHOWN,
            can_move=self.request.user.has_perm("wms.add_stockmove"),
        )
        return context


# --- Stock requests ---------------------------------------------------------------------------------------


class StockRequestDetailView(ObjectDetailView):
    """A request with its lines, what is reserved for them where, and the commands its state allows."""

    template_name = "wms/stockrequest_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stock_request = self.object
        user = self.request.user
        lines = list(
            stock_request.lines.select_related("item__uom", "lot")
            .annotate(held=Sum("reservations__quantity"))
            .order_by("pk")  # (Meta.ordering does not apply to a grouped query)
        )
        for line in lines:
            line.held = line.held or ZERO
            line.due = line.quantity - line.delivered
            line.short = max(line.due - line.held, ZERO)
        state = stock_request.state
        open_states = (RequestState.OPEN, RequestState.PARTIAL, RequestState.RESERVED)
        may_manage = user.has_perm("wms.change_stockrequest")
        context.update(
            lines=lines,
            reservations=Reservation.objects.filter(line__request=stock_request)
            .select_related("line__item", "quant__location", "quant__lot")
            .order_by("line_id", "quant__location__pick_sequence", "quant__location__code"),
            commands=[
                (name, label, style)
                for name, label, style, allowed in (
                    (
                        "reserve",
                        _("Reserve"),
                        "primary",
                        may_manage and state in (RequestState.OPEN, RequestState.PARTIAL),
                    ),
                    (
                        "deliver",
                        _("Deliver"),
                        "success",
                        may_manage
                        and user.has_perm("wms.add_stockmove")
                        and state in (RequestState.RESERVED, RequestState.PARTIAL),
                    ),
                    (
                        "unreserve",
                        _("Unreserve"),
                        "outline-secondary",
                        may_manage and state in (RequestState.RESERVED, RequestState.PARTIAL),
                    ),
                    ("cancel", _("Cancel request"), "outline-danger", may_manage and state in open_states),
                )
                if allowed
            ],
        )
        return context


REQUEST_COMMANDS = {
    "reserve": (requests.stock_request_reserve, ["wms.change_stockrequest"], gettext_lazy("Reserved.")),
    "unreserve": (
        requests.stock_request_unreserve,
        ["wms.change_stockrequest"],
        gettext_lazy("Reservations released."),
    ),
    "cancel": (requests.stock_request_cancel, ["wms.change_stockrequest"], gettext_lazy("Cancelled.")),
    # Delivering posts stock moves: the warehouse's job, not only the request's owner's.
    "deliver": (
        requests.stock_request_deliver,
        ["wms.change_stockrequest", "wms.add_stockmove"],
        gettext_lazy("Delivered what was reserved."),
    ),
}


@login_required
@require_POST
def stock_request_command(request, pk, command):
    stock_request = get_object_or_404(StockRequest, pk=pk)
    if command not in REQUEST_COMMANDS:
        return redirect(stock_request)
    service, permissions, success = REQUEST_COMMANDS[command]
    if not request.user.has_perms(permissions):
        messages.error(request, _("Your role cannot do this."))
        return redirect(stock_request)
    kwargs = {"user": request.user} if command == "deliver" else {}
    return _run(
        request,
        lambda: service(request=stock_request, **kwargs),
        str(success),
        stock_request.get_absolute_url(),
    )


# --- The warehouse floor: move stock, count ---------------------------------------------------------------


class _FloorView(ModelPermissionMixin, generic.FormView):
    """A scanner-friendly form posting one stock change through a service; nothing is posted on an error."""

    model = StockMove
    action = "add"
    template_name = "wms/stock_form.html"
    title = ""
    intro = ""
    submit = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, intro=self.intro, submit=self.submit)
        return context

    def get_success_url(self) -> str:
        return self.request.path

    def post_service(self, data: dict):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                message = self.post_service(form.cleaned_data)
        except ValidationError as exc:
            forms.service_errors(form, exc, self.error_fields)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return super().form_valid(form)


class StockTransferView(_FloorView):
    form_class = forms.StockTransferForm
    title = gettext_lazy("Move stock")
    intro = gettext_lazy("Scan or type the item, the quantity, where it comes from and where it goes.")
    submit = gettext_lazy("Move")
    error_fields = {"item": "item"}

    def get_initial(self):
        # Prefilled from links such as an item's stock page: ?item=CB-EU&from_location=MAIN/STOCK/A-01
        return {name: value for name, value in self.request.GET.items() if name in self.form_class.base_fields}

    def post_service(self, data: dict) -> str:
        move = moves.stock_transfer(
            item=data["item"],
            quantity=data["quantity"],
            from_location=data["from_location"],
            to_location=data["to_location"],
            lot=data["lot"],
            user=self.request.user,
        )
        return _("Moved %(qty)s %(unit)s of %(item)s%(lot)s from %(from)s to %(to)s.") % {
            "qty": _qty(move.quantity),
            "unit": move.item.uom.code,
            "item": move.item.code,
            "lot": f" {_('lot')} {move.lot.code}" if move.lot else "",
            "from": move.from_location.code,
            "to": move.to_location.code,
        }


class StockCountView(_FloorView):
    form_class = forms.StockCountForm
    title = gettext_lazy("Count")
    intro = gettext_lazy(
        "Scan the location and the item, and type what you counted. The difference is posted as an "
        "inventory adjustment."
    )
    submit = gettext_lazy("Post the count")
    # The ledger refuses on the move's fields; on this page they are the count's.
    error_fields = {"quantity": "counted", "to_location": "location", "from_location": "location"}

    def get_initial(self):
        return {name: value for name, value in self.request.GET.items() if name in self.form_class.base_fields}

    def post_service(self, data: dict) -> str:
        item, location = data["item"], data["location"]
        lot = None
        if data["lot"]:
            lot = Lot.objects.filter(item=item, code=data["lot"]).first()
            if lot is None:
                lot = Lot(item=item, code=data["lot"])
                lot.full_clean()
                lot.save()
        move = moves.inventory_adjust(
            item=item,
            location=location,
            counted=data["counted"],
            lot=lot,
            user=self.request.user,
            reason=data["reason"],
        )
        what = {
            "item": item.code,
            "lot": f" {_('lot')} {lot.code}" if lot else "",
            "location": location.code,
            "qty": _qty(data["counted"]),
            "unit": item.uom.code,
        }
        if move is None:
            return _("%(item)s%(lot)s in %(location)s: %(qty)s %(unit)s, as recorded. Nothing to post.") % what
        sign = "+" if move.to_location_id == location.pk else "-"
        return _("%(item)s%(lot)s in %(location)s is now %(qty)s %(unit)s (%(sign)s%(diff)s posted).") % {
            **what,
            "sign": sign,
            "diff": _qty(move.quantity),
        }
