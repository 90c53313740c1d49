"""Warehouse screens: an item's stock, stock requests and their commands, the two pages of the
warehouse floor (move stock, count), and the planners' and managers' view of receiving, quality hold,
put-away, picking, packing, shipping, counting and replenishment (detail pages with their buttons).
Every change of stock is a call to wms.services: a refusal is shown on the page and nothing is posted."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import generic
from django.views.decorators.http import require_POST

from core.documents.views import document_pdf_view
from core.formatting import format_quantity
from core.forms import add_service_errors
from core.models import Item
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    ObjectListView,
    QueryPrefillMixin,
    ServiceFormView,
    command_view,
    commands_for,
)
from wms import forms
from wms.choices import RequestKind, RequestState
from wms.documents import delivery_note_pdf
from wms.models import (
    CountState,
    CycleCount,
    Lot,
    PickLine,
    PickList,
    PickState,
    Quant,
    Receipt,
    ReceiptState,
    Reservation,
    Shipment,
    StockMove,
    StockRequest,
    StockTask,
    TaskPurpose,
    TaskState,
    Wave,
)
from wms.selectors.item_stock import item_stock
from wms.services import cycle_counts, moves, picking, receipts, replenishment, requests

ZERO = Decimal(0)
MOVES_SHOWN = 50


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
        pick_lists = list(stock_request.pick_lists.select_related("wave").order_by("number"))
        reservations = list(
            Reservation.objects.filter(line__request=stock_request)
            .select_related("line__item", "quant__location", "quant__lot")
            .order_by("line_id", "quant__location__pick_sequence", "quant__location__code")
        )
        output_id = stock_request.warehouse.output_location_id
        # Reserved stock still in its bins, and no pick list open for it yet.
        pickable = any(reservation.quant.location_id != output_id for reservation in reservations) and not any(
            pick_list.state == PickState.OPEN for pick_list in pick_lists
        )
        context.update(
            lines=lines,
            reservations=reservations,
            commands=commands_for(stock_request, user, REQUEST_COMMANDS, pickable),
            pick_lists=pick_lists,
            shipments=shipments_of(stock_request),
        )
        return context


OPEN_REQUEST = (RequestState.OPEN, RequestState.PARTIAL, RequestState.RESERVED)
# `offered(stock_request, pickable)`: pickable, whether reserved stock waits in its bins with no open pick list.
REQUEST_COMMANDS = {
    "reserve": Command(
        gettext_lazy("Reserve"),
        "primary",
        ("wms.change_stockrequest",),
        lambda stock_request, pickable: stock_request.state in (RequestState.OPEN, RequestState.PARTIAL),
        lambda request, stock_request: requests.stock_request_reserve(request=stock_request),
        gettext_lazy("Reserved."),
    ),
    # Delivering posts stock moves: the warehouse's job, not only the request's owner's.
    "deliver": Command(
        gettext_lazy("Deliver"),
        "success",
        ("wms.change_stockrequest", "wms.add_stockmove"),
        lambda stock_request, pickable: stock_request.state in (RequestState.RESERVED, RequestState.PARTIAL),
        lambda request, stock_request: requests.stock_request_deliver(request=stock_request, user=request.user),
        gettext_lazy("Delivered what was reserved."),
    ),
    "unreserve": Command(
        gettext_lazy("Unreserve"),
        "outline-secondary",
        ("wms.change_stockrequest",),
        lambda stock_request, pickable: stock_request.state in (RequestState.RESERVED, RequestState.PARTIAL),
        lambda request, stock_request: requests.stock_request_unreserve(request=stock_request),
        gettext_lazy("Reservations released."),
    ),
    "cancel": Command(
        gettext_lazy("Cancel request"),
        "outline-danger",
        ("wms.change_stockrequest",),
        lambda stock_request, pickable: stock_request.state in OPEN_REQUEST,
        lambda request, stock_request: requests.stock_request_cancel(request=stock_request),
        gettext_lazy("Cancelled."),
    ),
    # A pick list of what is reserved, in walking order: for the tablet's Pick screen.
    "pick": Command(
        gettext_lazy("Create pick list"),
        "outline-primary",
        ("wms.add_picklist",),
        lambda stock_request, pickable: pickable,
        lambda request, stock_request: picking.pick_list_create(request=stock_request),
        gettext_lazy("Pick list created."),
    ),
}
stock_request_command = command_view(StockRequest, REQUEST_COMMANDS)


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
            add_service_errors(form, exc, self.error_fields)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return super().form_valid(form)


class StockTransferView(QueryPrefillMixin, _FloorView):
    form_class = forms.StockTransferForm
    title = gettext_lazy("Move stock")
    intro = gettext_lazy("Scan or type the item, the quantity, where it comes from and where it goes.")
    submit = gettext_lazy("Move")
    error_fields = {"item": "item"}

    # Prefilled from links such as an item's stock page: ?item=CB-EU&from_location=MAIN/STOCK/A-01

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
            "qty": format_quantity(move.quantity),
            "unit": move.item.uom.code,
            "item": move.item.code,
            "lot": f" {_('lot')} {move.lot.code}" if move.lot else "",
            "from": move.from_location.code,
            "to": move.to_location.code,
        }


class StockCountView(QueryPrefillMixin, _FloorView):
    form_class = forms.StockCountForm
    title = gettext_lazy("Count")
    intro = gettext_lazy(
        "Scan the location and the item, and type what you counted. The difference is posted as an "
        "inventory adjustment."
    )
    submit = gettext_lazy("Post the count")
    # The ledger refuses on the move's fields; on this page they are the count's.
    error_fields = {"quantity": "counted", "to_location": "location", "from_location": "location"}

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
            "qty": format_quantity(data["counted"]),
            "unit": item.uom.code,
        }
        if move is None:
            return _("%(item)s%(lot)s in %(location)s: %(qty)s %(unit)s, as recorded. Nothing to post.") % what
        sign = "+" if move.to_location_id == location.pk else "-"
        return _("%(item)s%(lot)s in %(location)s is now %(qty)s %(unit)s (%(sign)s%(diff)s posted).") % {
            **what,
            "sign": sign,
            "diff": format_quantity(move.quantity),
        }


# --- Receipts ------------------------------------------------------------------------------------------------------

RECEIVING = ("wms.change_receipt", "wms.add_stockmove")
OPEN_RECEIPT = (ReceiptState.EXPECTED, ReceiptState.RECEIVING)


def _close(request, receipt: Receipt) -> str:
    closed = receipts.receipt_close(receipt=receipt, user=request.user)
    return _("%(receipt)s is closed (%(state)s).") % {
        "receipt": closed.number,
        "state": closed.get_state_display().lower(),
    }


RECEIPT_COMMANDS = {
    # What was not received is short; ERP hears of every line's outcome. The dock's decision.
    "close": Command(
        gettext_lazy("Close receipt"), "outline-danger", RECEIVING, lambda r: r.state in OPEN_RECEIPT, _close
    ),
}
receipt_command = command_view(Receipt, RECEIPT_COMMANDS)


def tasks_of(**lookup):
    return StockTask.objects.filter(**lookup).select_related(
        "item__uom", "lot", "from_location", "to_location", "receipt", "done_by"
    )


class ReceiptDetailView(ObjectDetailView):
    """A receipt's lines (expected, received, outstanding), the put-away tasks it made, and Close."""

    template_name = "wms/receipt_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        receipt, user = self.object, self.request.user
        context.update(
            lines=receipt.lines.select_related("item__uom"),
            tasks=tasks_of(receipt=receipt).order_by("state", "to_location__pick_sequence", "pk"),
            commands=commands_for(receipt, user, RECEIPT_COMMANDS),
            is_open=receipt.state in OPEN_RECEIPT,
            can_receive=user.has_perms(RECEIVING),
        )
        return context


# --- Stock tasks ---------------------------------------------------------------------------------------------------


class StockTaskDetailView(ObjectDetailView):
    template_name = "wms/stocktask_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_do"] = self.object.state == TaskState.OPEN and self.request.user.has_perms(
            ("wms.change_stocktask", "wms.add_stockmove")
        )
        return context


# --- Pick lists and waves -----------------------------------------------------------------------------------------

PICKING = ("wms.change_picklist", "wms.add_stockmove")


def pick_lines_of(**lookup):
    """Pick lines in walking order: by their bins' pick sequence, then code."""
    return (
        PickLine.objects.filter(**lookup)
        .select_related("item__uom", "lot", "from_location", "picked_by", "pick_list")
        .order_by("from_location__pick_sequence", "from_location__code", "pk")
    )


def shipments_of(stock_request: StockRequest):
    return stock_request.shipments.select_related("shipped_by").prefetch_related("packages").order_by("number")


class PickListDetailView(ObjectDetailView):
    """A pick list's lines in walking order with what was picked and what was short (and why)."""

    template_name = "wms/picklist_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pick_list, user = self.object, self.request.user
        stock_request = pick_list.request
        shipments = list(shipments_of(stock_request))
        waiting = any(shipment.shipped_at is None for shipment in shipments)
        context.update(
            lines=pick_lines_of(pick_list=pick_list),
            shipments=shipments,
            can_pick=pick_list.state == PickState.OPEN and user.has_perms(PICKING),
            can_pack=(
                pick_list.state == PickState.PICKED
                and stock_request.kind == RequestKind.SHIPMENT
                and not waiting
                and user.has_perm("wms.add_shipment")
            ),
        )
        return context


class WaveDetailView(ObjectDetailView):
    """A wave's pick lists, and all their lines as one walk through the bins."""

    template_name = "wms/wave_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        wave = self.object
        context.update(
            pick_lists=wave.pick_lists.select_related("request__partner").order_by("number"),
            lines=pick_lines_of(pick_list__wave=wave),
            can_pick=self.object.open_count > 0 and self.request.user.has_perms(PICKING),
        )
        return context


class WaveCreateView(ServiceFormView):
    form_class = forms.WaveForm
    error_fields = {"warehouse": "warehouse"}
    success_message = gettext_lazy("Created %(object)s.")

    def save(self, form) -> Wave:
        data = form.cleaned_data
        return picking.wave_create(warehouse=data["warehouse"], requests=list(data["requests"]), user=self.request.user)


# --- Packing and shipping -------------------------------------------------------------------------------------------


class PackView(ModelPermissionMixin, generic.TemplateView):
    """Pack a picked list: carrier, tracking number and its packages, under one delivery note number."""

    model = Shipment
    action = "add"
    template_name = "wms/pack.html"

    @cached_property
    def pick_list(self) -> PickList:  # looked up after the sign-in and permission checks
        return get_object_or_404(PickList.objects.select_related("request__partner"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", forms.PackForm())
        context.setdefault("packages", forms.PackageFormSet(prefix="packages"))
        context.update(pick_list=self.pick_list, lines=pick_lines_of(pick_list=self.pick_list))
        return context

    def post(self, request, *args, **kwargs):
        form = forms.PackForm(request.POST)
        packages = forms.PackageFormSet(request.POST, prefix="packages")
        if form.is_valid() and packages.is_valid():
            try:
                with transaction.atomic():
                    shipment = picking.shipment_create(
                        pick_list=self.pick_list,
                        packages=[package for package in packages.cleaned_data if package],
                        carrier=form.cleaned_data["carrier"],
                        tracking_number=form.cleaned_data["tracking_number"],
                    )
            except ValidationError as exc:
                form.add_error(None, exc if not hasattr(exc, "error_dict") else ValidationError(exc.messages))
            else:
                messages.success(request, _("Packed under delivery note %(number)s.") % {"number": shipment.number})
                return redirect(shipment)
        return self.render_to_response(self.get_context_data(form=form, packages=packages))


def _ship(request, shipment: Shipment) -> str:
    form = forms.ShipForm(request.POST)
    form.is_valid()
    tracking = form.cleaned_data.get("tracking_number", "").strip()
    shipped = picking.shipment_ship(shipment=shipment, user=request.user, tracking_number=tracking or None)
    return _("%(number)s has shipped%(tracking)s.") % {
        "number": shipped.number,
        "tracking": _(", tracking %(tracking)s") % {"tracking": shipped.tracking_number}
        if shipped.tracking_number
        else "",
    }


SHIPMENT_COMMANDS = {
    "ship": Command(
        gettext_lazy("Ship"),
        "success",
        ("wms.change_shipment", "wms.add_stockmove"),
        lambda shipment: shipment.shipped_at is None,
        _ship,
    ),
}
shipment_command = command_view(Shipment, SHIPMENT_COMMANDS)
delivery_note_pdf_view = document_pdf_view(Shipment.objects.all(), delivery_note_pdf)


class ShipmentDetailView(ObjectDetailView):
    """A shipment's delivery note number, packages, tracking, what waits to ship, and Ship."""

    template_name = "wms/shipment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shipment = self.object
        stock_request = shipment.request
        waiting = Reservation.objects.none()
        if shipment.shipped_at is None and stock_request.warehouse.output_location_id:
            waiting = Reservation.objects.filter(
                line__request=stock_request, quant__location=stock_request.warehouse.output_location_id
            ).select_related("line__item__uom", "quant__lot")
        context.update(
            packages=shipment.packages.all(),
            waiting=waiting,
            commands=commands_for(shipment, self.request.user, SHIPMENT_COMMANDS),
            ship_form=forms.ShipForm(initial={"tracking_number": shipment.tracking_number}),
        )
        return context


# --- Cycle counts ----------------------------------------------------------------------------------------------------


def _approve(request, count: CycleCount) -> str:
    cycle_counts.cycle_count_approve(count=count, user=request.user)
    return _("%(count)s: differences approved.") % {"count": count.number}


def _post(request, count: CycleCount) -> str:
    cycle_counts.cycle_count_post(count=count, user=request.user)
    return _("%(count)s is posted: its differences are inventory adjustments.") % {"count": count.number}


COUNT_COMMANDS = {
    "approve": Command(
        gettext_lazy("Approve differences"),
        "warning",
        ("wms.approve_cyclecount",),
        lambda count: count.state == CountState.OPEN and count.approved_by_id is None and count.needs_approval,
        _approve,
    ),
    "post": Command(
        gettext_lazy("Post count"),
        "primary",
        ("wms.change_cyclecount", "wms.add_stockmove"),
        lambda count: count.state == CountState.OPEN,
        _post,
    ),
}
cycle_count_command = command_view(CycleCount, COUNT_COMMANDS)


class CycleCountDetailView(ObjectDetailView):
    """A count's lines: expected, counted, difference; those beyond the tolerance stand out."""

    template_name = "wms/cyclecount_detail.html"

    def get_context_data(self, **kwargs):
        count = self.object
        lines = list(count.lines.select_related("location", "item__uom", "lot", "counted_by"))
        for line in lines:
            line.beyond = cycle_counts.beyond_tolerance(line, count.tolerance_pct)
        count.needs_approval = any(line.beyond for line in lines)
        context = super().get_context_data(**kwargs)
        context.update(
            lines=lines,
            counted=sum(1 for line in lines if line.counted_qty is not None),
            beyond=sum(1 for line in lines if line.beyond),
            commands=commands_for(count, self.request.user, COUNT_COMMANDS),
            can_count=count.state == CountState.OPEN and self.request.user.has_perm("wms.change_cyclecount"),
        )
        return context


class CycleCountCreateView(ServiceFormView):
    form_class = forms.CycleCountForm
    error_fields = {"location": "location", "abc_class": "abc_class"}
    success_message = gettext_lazy("Created %(object)s.")

    def save(self, form) -> CycleCount:
        data = form.cleaned_data
        return cycle_counts.cycle_count_create(
            warehouse=data["warehouse"],
            location=data["location"],
            abc_class=data["abc_class"],
            user=self.request.user,
        )


# --- Replenishment -------------------------------------------------------------------------------------------------


class ReplenishmentRuleListView(ObjectListView):
    """The rules, with a button that plans the refills of every pick face below its minimum."""

    template_name = "wms/replenishmentrule_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("wms.add_stocktask"):
            context["plan_form"] = forms.ReplenishmentPlanForm()
        return context


@login_required
@require_POST
def replenishment_plan_view(request):
    back = reverse("wms:replenishmentrule_list")
    if not request.user.has_perm("wms.add_stocktask"):
        messages.error(request, _("Your role cannot do this."))
        return redirect(back)
    form = forms.ReplenishmentPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a warehouse."))
        return redirect(back)
    tasks = replenishment.replenishment_plan(warehouse=form.cleaned_data["warehouse"])
    if not tasks:
        messages.info(request, _("Every pick face is at or above its minimum (or on its way): nothing to plan."))
        return redirect(back)
    messages.success(
        request,
        ngettext("Planned %(n)s replenishment task.", "Planned %(n)s replenishment tasks.", len(tasks))
        % {"n": len(tasks)},
    )
    return redirect(f"{reverse('wms:stocktask_list')}?purpose={TaskPurpose.REPLENISHMENT}")


# --- Quality hold --------------------------------------------------------------------------------------------------

QUALITY_DECIDERS = ("wms.add_stockmove",)


def quality_quants():
    """Stock waiting in each warehouse's quality-hold location, oldest first."""
    return (
        Quant.objects.filter(quantity__gt=0, location__quality_hold=True)
        .filter(location=F("location__warehouse__quality_location"))
        .select_related("item__uom", "lot", "location__warehouse")
        .annotate(free=F("quantity") - F("reserved"))
        .order_by("in_date", "pk")
    )


class QualityHoldView(ModelPermissionMixin, generic.TemplateView):
    """What waits for inspection, with Release (to put-away) and Reject (to scrap) per quant."""

    model = Quant
    template_name = "wms/quality_hold.html"

    def get_permission_required(self):
        return ["wms.view_quant", "wms.view_stockmove"]  # the stock and the moves that put it on hold

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(quants=quality_quants(), can_decide=self.request.user.has_perms(QUALITY_DECIDERS))
        return context


@login_required
@permission_required("wms.view_quant", raise_exception=True)
@require_POST
def quality_decide(request, pk, decision):
    back = reverse("wms:quality_hold")
    quant = get_object_or_404(quality_quants(), pk=pk)
    if decision not in ("release", "reject"):
        return redirect(back)
    if not request.user.has_perms(QUALITY_DECIDERS):
        messages.error(request, _("Your role cannot do this."))
        return redirect(back)
    form = forms.QualityDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect(back)
    quantity, reason = form.cleaned_data["quantity"], form.cleaned_data["reason"]
    what = {"qty": format_quantity(quantity), "unit": quant.item.uom.code, "item": quant.item.code}
    try:
        with transaction.atomic():
            if decision == "release":
                tasks = receipts.quality_release(
                    item=quant.item,
                    warehouse=quant.location.warehouse,
                    quantity=quantity,
                    lot=quant.lot,
                    user=request.user,
                )
                message = _("Released %(qty)s %(unit)s of %(item)s: %(n)s put-away task(s).") % {
                    **what,
                    "n": len(tasks),
                }
            else:
                receipts.quality_reject(
                    item=quant.item,
                    warehouse=quant.location.warehouse,
                    quantity=quantity,
                    lot=quant.lot,
                    user=request.user,
                    reason=reason,
                )
                message = _("Rejected %(qty)s %(unit)s of %(item)s: scrapped.") % what
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect(back)
