"""The warehouse tablet: receive, put away, pick, count and move, driven by a barcode scanner.

A scanner is a keyboard ("keyboard wedge"): it types a code into the focused field and presses Enter;
static/js/scan.js then moves on to the next field and submits on the last one. Codes are resolved
here: a bin by its code (case-insensitive, exact), an item by its code, a lot by its item and code.
An unknown code is an error on its field. Every change of stock is one call to a wms service, and the
services are atomic: a refusal is shown in large red text, the form keeps what was scanned except the
refused field (emptied, so the cursor waits there), and nothing is posted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.choices import Tracking
from core.formatting import format_quantity
from core.models import Item
from wms.models import (
    CountState,
    CycleCount,
    CycleCountLine,
    Location,
    Lot,
    PickLine,
    PickList,
    PickState,
    Receipt,
    ReceiptLine,
    ReceiptState,
    StockTask,
    TaskState,
    Wave,
)
from wms.selectors.picking import wave_pick_path
from wms.services.cycle_counts import cycle_count_found, cycle_count_record
from wms.services.moves import stock_transfer
from wms.services.picking import pick_confirm, pick_short
from wms.services.putaway import stock_task_confirm
from wms.services.receipts import receipt_close, receipt_receive

# Receiving posts stock: a supplier's user who may announce receipts (ASNs) may not receive them.
RECEIVE = ("wms.change_receipt", "wms.add_stockmove")
PUT_AWAY = "wms.change_stocktask"
PICK = "wms.change_picklist"
COUNT = "wms.change_cyclecount"
MOVE = "wms.change_stockmove"
ANY_SCREEN = (RECEIVE, PUT_AWAY, PICK, COUNT, MOVE)

OPEN_RECEIPT_STATES = (ReceiptState.EXPECTED, ReceiptState.RECEIVING)
SHORT_REASONS = (
    gettext_lazy("Bin empty"),
    gettext_lazy("Less in the bin than expected"),
    gettext_lazy("Damaged"),
    gettext_lazy("Cannot reach the bin"),
)


def _int(value: Any) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() else None


def _url(name: str, *args, **query) -> str:
    url = reverse(f"wms:{name}", args=args)
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _may(user, requirement: str | tuple[str, ...]) -> bool:
    """A permission, or a tuple of permissions all needed."""
    return user.has_perms(requirement) if isinstance(requirement, tuple) else user.has_perm(requirement)


def tablet_screen(*permissions: str | tuple[str, ...], methods: tuple[str, ...] = ("GET", "POST")):
    """Anonymous users go to the login page; signed-in users meeting none of `permissions` get 403."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        allowed_methods = require_http_methods(list(methods))(view)

        @wraps(view)
        def checked(request, *args, **kwargs):
            if not any(_may(request.user, permission) for permission in permissions):
                raise PermissionDenied
            return allowed_methods(request, *args, **kwargs)

        return login_required(checked)

    return decorate


# --- Codes, as scanned ----------------------------------------------------------------------------------


def location_by_code(code: str) -> Location:
    """The bin a barcode encodes: its code, case-insensitive (an exact match wins if two differ in case)."""
    matches = list(Location.objects.filter(code__iexact=code))
    if len(matches) > 1:
        matches = [location for location in matches if location.code == code]
    if len(matches) != 1:
        raise ValidationError(_("Unknown bin: %(code)s.") % {"code": code}, code="unknown_location")
    return matches[0]


def item_by_code(code: str) -> Item:
    item = Item.objects.select_related("uom").filter(code=code).first()
    if item is None:
        raise ValidationError(_("Unknown item: %(code)s.") % {"code": code}, code="unknown_item")
    return item


def split_code(code: str) -> dict[str, str]:
    """A bin code to show big: the last part (A-01-02) is what the eye looks for."""
    head, slash, tail = code.rpartition("/")
    return {"head": head + slash, "tail": tail, "code": code}


def _lot_label(item: Item) -> str:
    return _("serial number") if item.tracking == Tracking.SERIAL else _("lot")


def scanned_lot(form: forms.Form, item: Item, code: str, field: str = "lot") -> Lot | None:
    """The lot scanned for an item: required when the item is tracked, refused when it is not."""
    if item.tracking == Tracking.NONE:
        if code:
            message = _("%(item)s is not tracked by lot: leave the lot empty.") % {"item": item.code}
            form.add_error(field, ValidationError(message, code="not_tracked"))
        return None
    if not code:
        message = _("%(item)s is tracked: scan its %(label)s.") % {"item": item.code, "label": _lot_label(item)}
        form.add_error(field, ValidationError(message, code="required"))
        return None
    lot = Lot.objects.filter(item=item, code=code).first()
    if lot is None:
        message = _("Unknown %(label)s %(code)s of %(item)s.") % {
            "label": _lot_label(item),
            "code": code,
            "item": item.code,
        }
        form.add_error(field, ValidationError(message, code="unknown_lot"))
    return lot


# --- Forms ----------------------------------------------------------------------------------------------


def scan_input(**attrs) -> forms.TextInput:
    """A field a scanner types into: Enter moves to the next one (static/js/scan.js)."""
    return forms.TextInput(
        attrs={
            "class": "form-control form-control-lg scan-input",
            "data-scan": True,
            "autocomplete": "off",
            "autocapitalize": "off",
            "autocorrect": "off",
            "spellcheck": "false",
            **attrs,
        }
    )


class CodeField(forms.CharField):
    """A scanned code, resolved to its object; an unknown code is this field's error."""

    def __init__(self, *, resolve: Callable[[str], Any], **kwargs):
        self.resolve = resolve
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("widget", scan_input())
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        return self.resolve(code) if code else None


def bin_field(label=None, **kwargs) -> CodeField:
    return CodeField(label=label or gettext_lazy("Bin"), resolve=location_by_code, **kwargs)


def item_field(**kwargs) -> CodeField:
    return CodeField(label=gettext_lazy("Item"), resolve=item_by_code, **kwargs)


def lot_field(label=None) -> forms.CharField:
    return forms.CharField(label=label or gettext_lazy("Lot"), required=False, max_length=64, widget=scan_input())


def quantity_field(label=None, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label or gettext_lazy("Quantity"),
        max_digits=18,
        decimal_places=6,
        widget=scan_input(inputmode="decimal"),
        **kwargs,
    )


class ScanForm(forms.Form):
    def refuse(self, error: ValidationError, fields: dict[str, str | None] | None = None) -> None:
        """A service's refusal onto the form: each field it names onto ours (`fields` maps names), else the top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            field = (fields or {}).get(name, name)
            self.add_error(field if field in self.fields else None, errors)

    def rescan(self) -> None:
        """Keep what was scanned, except the refused fields: emptied, so the cursor waits there."""
        data = self.data.copy()
        for name in self.errors:
            field = self.fields.get(name)
            if field is not None and "data-scan" in field.widget.attrs:
                data[name] = ""
                field.widget.attrs["class"] += " is-invalid"
        self.data = data


class ItemScanForm(ScanForm):
    item = item_field()


class DocumentScanForm(ScanForm):
    code = forms.CharField(label=gettext_lazy("Scan or type the number"), max_length=100, widget=scan_input())


class ReceiveForm(ScanForm):
    quantity = quantity_field()
    lot = lot_field()


class PutawayForm(ScanForm):
    location = bin_field(gettext_lazy("Scan the bin"))
    quantity = quantity_field()
    other_bin = forms.BooleanField(
        label=gettext_lazy("Other bin"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"}),
    )


class PickForm(ScanForm):
    line = forms.IntegerField(widget=forms.HiddenInput)
    location = bin_field()
    item = item_field()
    lot = lot_field()
    quantity = quantity_field()


class ShortForm(ScanForm):
    found = quantity_field(gettext_lazy("Found in the bin"), min_value=0)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=200, widget=scan_input(list="short-reasons", autocomplete="on")
    )


class CountForm(ScanForm):
    line = forms.IntegerField(widget=forms.HiddenInput)
    location = bin_field()
    item = item_field()
    counted = quantity_field(gettext_lazy("Counted"), min_value=0)


class FoundForm(ScanForm):
    location = bin_field()
    item = item_field()
    lot = lot_field(gettext_lazy("Lot (tracked items only)"))
    counted = quantity_field(gettext_lazy("Counted"), min_value=0)


class MoveForm(ScanForm):
    from_location = bin_field(gettext_lazy("From bin"))
    item = item_field()
    lot = lot_field(gettext_lazy("Lot (tracked items only)"))
    quantity = quantity_field()
    to_location = bin_field(gettext_lazy("To bin"))


def _posted(request, form: ScanForm, post: Callable[[], str], fields: dict[str, str | None] | None = None) -> bool:
    """Call a service unless the form already has errors; its refusal lands on the form, nothing is posted."""
    if not form.errors:
        try:
            with transaction.atomic():
                message = post()
        except ValidationError as exc:
            form.refuse(exc, fields)
        else:
            messages.success(request, message)
            return True
    form.rescan()
    return False


def _bound(request, form_class, **kwargs) -> ScanForm:
    return form_class(request.POST if request.method == "POST" else None, **kwargs)


def _render(request, template: str, status: int = 200, **context) -> HttpResponse:
    return render(request, f"wms/tablet/{template}", context, status=status)


# --- Home -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    label: Any
    icon: str
    url_name: str
    permission: str | tuple[str, ...]
    open_work: Callable[[], int] | None
    open_label: Any = ""


TILES = (
    Tile(
        gettext_lazy("Receive"),
        "box-arrow-in-down",
        "tablet_receive_list",
        RECEIVE,
        lambda: Receipt.objects.filter(state__in=OPEN_RECEIPT_STATES).count(),
        gettext_lazy("open receipts"),
    ),
    Tile(
        gettext_lazy("Put away"),
        "box-arrow-in-right",
        "tablet_putaway_list",
        PUT_AWAY,
        lambda: StockTask.objects.filter(state=TaskState.OPEN).count(),
        gettext_lazy("open tasks"),
    ),
    Tile(
        gettext_lazy("Pick"),
        "cart-check",
        "tablet_pick_lists",
        PICK,
        lambda: PickList.objects.filter(state=PickState.OPEN).count(),
        gettext_lazy("open pick lists"),
    ),
    Tile(
        gettext_lazy("Count"),
        "123",
        "tablet_count_list",
        COUNT,
        lambda: CycleCount.objects.filter(state=CountState.OPEN).count(),
        gettext_lazy("open counts"),
    ),
    Tile(gettext_lazy("Move"), "arrow-left-right", "tablet_move", MOVE, None),
)


@tablet_screen(*ANY_SCREEN, methods=("GET",))
def home(request):
    tiles = [
        {
            "label": tile.label,
            "icon": tile.icon,
            "url": reverse(f"wms:{tile.url_name}"),
            "count": tile.open_work() if tile.open_work else None,
            "open_label": tile.open_label,
        }
        for tile in TILES
        if _may(request.user, tile.permission)
    ]
    return _render(request, "home.html", tiles=tiles)


@dataclass(frozen=True)
class Documents:
    """Where a scanned document number is looked for: open documents, the fields that may hold it, their screen."""

    queryset: QuerySet
    fields: tuple[str, ...]
    url: Callable[[Any], str]


def _find_document(request, *sources: Documents) -> tuple[DocumentScanForm, HttpResponse | None]:
    """A scanned document number (?code=...) opens that document; else the scan form, with its error."""
    form = DocumentScanForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        found = []
        for source in sources:
            lookup = Q()
            for field in source.fields:
                lookup |= Q(**{f"{field}__iexact": code})
            found += [source.url(document) for document in source.queryset.filter(lookup)[:2]]
        if len(found) == 1:
            return form, redirect(found[0])
        message = _("Nothing open matches %(code)s.") if not found else _("%(code)s matches several; choose one.")
        form.add_error("code", ValidationError(message % {"code": code}, code="unknown_document"))
    if form.is_bound:
        form.rescan()
    return form, None


# --- Receive --------------------------------------------------------------------------------------------


@tablet_screen(RECEIVE, methods=("GET",))
def receive_list(request):
    receipts = (
        Receipt.objects.filter(state__in=OPEN_RECEIPT_STATES)
        .select_related("supplier", "warehouse")
        .annotate(
            line_count=Count("lines"),
            lines_outstanding=Count("lines", filter=Q(lines__received_qty__lt=F("lines__expected_qty"))),
        )
        .order_by(F("expected_on").asc(nulls_last=True), "number")
    )
    form, found = _find_document(
        request, Documents(receipts, ("number", "reference", "asn_number"), lambda r: _url("tablet_receipt", r.pk))
    )
    if found:
        return found
    return _render(request, "receive_list.html", receipts=receipts, form=form)


def _receipt(pk: int) -> Receipt:
    return get_object_or_404(Receipt.objects.select_related("supplier", "warehouse"), pk=pk)


@tablet_screen(RECEIVE, methods=("GET",))
def receipt(request, pk):
    """A receipt's lines; scan an item to receive it. After a receipt: the put-away tasks it made."""
    receipt = _receipt(pk)
    lines = list(receipt.lines.select_related("item__uom"))
    is_open = receipt.state in OPEN_RECEIPT_STATES
    form = ItemScanForm(request.GET if is_open and "item" in request.GET else None)
    if form.is_bound:
        if form.is_valid():
            item = form.cleaned_data["item"]
            matching = [line for line in lines if line.item_id == item.pk]
            if matching:
                line = next((line for line in matching if line.outstanding > 0), matching[0])
                return redirect(_url("tablet_receipt_line", receipt.pk, line.pk))
            message = _("%(item)s is not on this receipt.") % {"item": item.code}
            form.add_error("item", ValidationError(message, code="not_on_receipt"))
        form.rescan()
    task_ids = [task_pk for task_pk in map(_int, request.GET.get("tasks", "").split(",")) if task_pk][:50]
    tasks = (
        StockTask.objects.filter(pk__in=task_ids, receipt=receipt).select_related("item__uom", "lot", "to_location")
        if task_ids
        else []
    )
    return _render(
        request,
        "receipt.html",
        receipt=receipt,
        lines=lines,
        is_open=is_open,
        form=form,
        tasks=[{"task": task, "bin": task.to_location and split_code(task.to_location.code)} for task in tasks],
        held=request.GET.get("held") == "1",
        can_put_away=request.user.has_perm(PUT_AWAY),
    )


@tablet_screen(RECEIVE)
def receipt_line(request, pk, line_pk):
    """Receive one line: quantity (the outstanding one by default), then the lot for tracked items."""
    receipt = _receipt(pk)
    line = get_object_or_404(ReceiptLine.objects.select_related("item__uom"), pk=line_pk, receipt=receipt)
    item = line.item
    tracked = item.tracking != Tracking.NONE
    default = Decimal(1) if item.tracking == Tracking.SERIAL else line.outstanding
    form = _bound(
        request, ReceiveForm, initial={"quantity": format_quantity(default) if default else "", "lot": line.lot_code}
    )
    form.fields["lot"].label = _("Serial number") if item.tracking == Tracking.SERIAL else _("Lot")
    if request.method == "POST" and form.is_valid():
        data, result = form.cleaned_data, {}

        def post() -> str:
            tasks = receipt_receive(
                line=line,
                quantity=data["quantity"],
                lot_code=(data["lot"] or None) if tracked else None,
                user=request.user,
            )
            result["tasks"] = tasks
            return _("Received %(qty)s %(unit)s of %(item)s.") % {
                "qty": format_quantity(data["quantity"]),
                "unit": item.uom.code,
                "item": item.code,
            }

        if _posted(request, form, post):
            tasks = result["tasks"]
            if not tasks:
                messages.warning(request, _("Held for inspection in %(location)s.") % _quality_location(receipt))
                return redirect(_url("tablet_receipt", receipt.pk, held="1"))
            return redirect(_url("tablet_receipt", receipt.pk, tasks=",".join(str(t.pk) for t in tasks)))
    elif form.is_bound:
        form.rescan()
    return _render(request, "receipt_line.html", receipt=receipt, line=line, tracked=tracked, form=form)


def _quality_location(receipt: Receipt) -> dict[str, str]:
    location = receipt.warehouse.quality_location
    return {"location": location.code if location else _("quality hold")}


@tablet_screen(RECEIVE, methods=("POST",))
def receipt_close_view(request, pk):
    receipt = _receipt(pk)
    try:
        receipt = receipt_close(receipt=receipt, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_url("tablet_receipt", receipt.pk))
    messages.success(
        request,
        _("%(receipt)s is closed (%(state)s).") % {"receipt": receipt.number, "state": receipt.get_state_display()},
    )
    return redirect(_url("tablet_receive_list"))


# --- Put away -------------------------------------------------------------------------------------------


def open_tasks() -> QuerySet[StockTask]:
    """Open put-away and replenishment tasks in walking order: by their bins' pick sequence; no bin last."""
    return (
        StockTask.objects.filter(state=TaskState.OPEN)
        .select_related("item__uom", "lot", "from_location", "to_location")
        .order_by(F("to_location__pick_sequence").asc(nulls_last=True), "to_location__code", "pk")
    )


@tablet_screen(PUT_AWAY, methods=("GET",))
def putaway_list(request):
    return _render(request, "putaway_list.html", tasks=open_tasks())


@tablet_screen(PUT_AWAY)
def putaway(request, pk):
    task = get_object_or_404(
        StockTask.objects.select_related("item__uom", "lot", "from_location", "to_location", "warehouse"), pk=pk
    )
    form = _bound(request, PutawayForm, initial={"quantity": format_quantity(task.quantity)})
    if request.method == "POST" and task.state == TaskState.OPEN and form.is_valid():
        data = form.cleaned_data

        def post() -> str:
            done = stock_task_confirm(
                task=task,
                location=data["location"],
                quantity=data["quantity"],
                user=request.user,
                other_bin=data["other_bin"],
            )
            return _("Put %(qty)s %(unit)s of %(item)s into %(bin)s.") % {
                "qty": format_quantity(done.quantity),
                "unit": task.item.uom.code,
                "item": task.item.code,
                "bin": data["location"].code,
            }

        if _posted(request, form, post, {"to_location": "location", "from_location": None}):
            following = open_tasks().filter(warehouse=task.warehouse).first()
            return redirect(_url("tablet_putaway", following.pk) if following else _url("tablet_putaway_list"))
    elif form.is_bound:
        if task.state != TaskState.OPEN:
            form.is_valid()
            form.add_error(None, _("This task is %(state)s.") % {"state": task.get_state_display().lower()})
        form.rescan()
    return _render(
        request,
        "putaway.html",
        task=task,
        form=form,
        from_bin=split_code(task.from_location.code),
        to_bin=task.to_location and split_code(task.to_location.code),
        is_open=task.state == TaskState.OPEN,
    )


# --- Pick -----------------------------------------------------------------------------------------------


@dataclass
class PickScope:
    """What is being picked: one pick list, or a wave of them walked as one path."""

    kind: str
    target: PickList | Wave

    @classmethod
    def load(cls, kind: str, pk: int) -> "PickScope":
        if kind == "list":
            return cls(kind, get_object_or_404(PickList.objects.select_related("request"), pk=pk))
        if kind == "wave":
            return cls(kind, get_object_or_404(Wave, pk=pk))
        raise Http404

    @property
    def is_wave(self) -> bool:
        return self.kind == "wave"

    @property
    def is_open(self) -> bool:
        return self.is_wave or self.target.state == PickState.OPEN

    def lines(self) -> QuerySet[PickLine]:
        """All lines of the scope's open pick lists (picked or not)."""
        lookup = {"pick_list__wave": self.target} if self.is_wave else {"pick_list": self.target}
        return PickLine.objects.filter(pick_list__state=PickState.OPEN, **lookup).select_related(
            "item__uom", "lot", "from_location", "pick_list__request"
        )

    def open_lines(self) -> QuerySet[PickLine]:
        """The lines still to pick, in walking order."""
        if self.is_wave:
            return wave_pick_path(wave=self.target).filter(pick_list__state=PickState.OPEN).select_related("item__uom")
        return (
            self.lines()
            .filter(quantity__gt=F("picked_qty") + F("short_qty"))
            .order_by("from_location__pick_sequence", "from_location__code", "pk")
        )

    @property
    def url(self) -> str:
        return _url("tablet_pick_wave" if self.is_wave else "tablet_pick", self.target.pk)

    def short_url(self, line: PickLine) -> str:
        return _url("tablet_pick_wave_short" if self.is_wave else "tablet_pick_short", self.target.pk, line.pk)

    @property
    def title(self) -> str:
        if self.is_wave:
            return _("Wave %(number)s") % {"number": self.target.number}
        return _("Pick list %(number)s") % {"number": self.target.number}


@tablet_screen(PICK, methods=("GET",))
def pick_lists(request):
    lists = (
        PickList.objects.filter(state=PickState.OPEN)
        .select_related("request__partner", "wave")
        .annotate(
            open_lines=Count("lines", filter=Q(lines__quantity__gt=F("lines__picked_qty") + F("lines__short_qty")))
        )
        .order_by("request__needed_on", "number")
    )
    waves = (
        Wave.objects.annotate(open_lists=Count("pick_lists", filter=Q(pick_lists__state=PickState.OPEN)))
        .filter(open_lists__gt=0)
        .order_by("number")
    )
    form, found = _find_document(
        request,
        Documents(lists, ("number", "request__number", "request__reference"), lambda p: _url("tablet_pick", p.pk)),
        Documents(waves, ("number",), lambda w: _url("tablet_pick_wave", w.pk)),
    )
    if found:
        return found
    return _render(request, "pick_lists.html", lists=lists, waves=waves, form=form)


@tablet_screen(PICK)
def pick(request, pk, scope="list"):
    """The next line in walking order: its bin very large; scan bin, item, lot (tracked), quantity."""
    scope = PickScope.load(scope, pk)
    line = form = None
    if request.method == "POST":
        line = scope.lines().filter(pk=_int(request.POST.get("line"))).first()
        if line is None or line.open_qty <= 0:
            messages.error(request, _("That line is picked already or not on this list; here is the next one."))
            return redirect(scope.url)
        form = PickForm(request.POST)
        if _pick_posted(request, form, line):
            return redirect(scope.url)
    lines = list(scope.open_lines()) if scope.is_open else []
    if line is None and lines:
        line = lines[0]
    if form is None and line is not None:
        form = PickForm(initial={"line": line.pk, "quantity": format_quantity(line.open_qty)})
    return _render(
        request,
        "pick.html",
        scope=scope,
        line=line,
        form=form,
        remaining=len(lines),
        bin=line and split_code(line.from_location.code),
        tracked=line is not None and line.item.tracking != Tracking.NONE,
        short_url=line and scope.short_url(line),
    )


def _pick_posted(request, form: PickForm, line: PickLine) -> bool:
    lot = None
    if form.is_valid():
        data = form.cleaned_data
        if data["item"].pk != line.item_id:
            # Checked here, before the service: the service trusts the line's item.
            message = _("Wrong item: pick %(expected)s (%(name)s), you scanned %(scanned)s.") % {
                "expected": line.item.code,
                "name": line.item.name,
                "scanned": data["item"].code,
            }
            form.add_error("item", ValidationError(message, code="wrong_item"))
        else:
            lot = scanned_lot(form, line.item, data["lot"])

    def post() -> str:
        data = form.cleaned_data
        pick_confirm(line=line, location=data["location"], quantity=data["quantity"], lot=lot, user=request.user)
        return _("Picked %(qty)s %(unit)s of %(item)s from %(bin)s.") % {
            "qty": format_quantity(data["quantity"]),
            "unit": line.item.uom.code,
            "item": line.item.code,
            "bin": line.from_location.code,
        }

    return _posted(request, form, post)


@tablet_screen(PICK)
def pick_short_view(request, pk, line_pk, scope="list"):
    """Less in the bin than reserved: what was found is picked, the rest recorded short with a reason."""
    scope = PickScope.load(scope, pk)
    line = get_object_or_404(scope.lines(), pk=line_pk)
    if line.open_qty <= 0:
        messages.info(request, _("That line is done already."))
        return redirect(scope.url)
    form = _bound(request, ShortForm, initial={"found": "0"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def post() -> str:
            done = pick_short(
                line=line,
                found=data["found"],
                reason=data["reason"],
                location=line.from_location,
                lot=line.lot,
                user=request.user,
            )
            return _("Short recorded: %(short)s %(unit)s of %(item)s not found in %(bin)s.") % {
                "short": format_quantity(done.short_qty),
                "unit": line.item.uom.code,
                "item": line.item.code,
                "bin": line.from_location.code,
            }

        if _posted(request, form, post, {"quantity": "found", "location": None, "lot": None}):
            return redirect(scope.url)
    elif form.is_bound:
        form.rescan()
    return _render(
        request,
        "pick_short.html",
        scope=scope,
        line=line,
        form=form,
        bin=split_code(line.from_location.code),
        reasons=SHORT_REASONS,
    )


# --- Count ----------------------------------------------------------------------------------------------


@tablet_screen(COUNT, methods=("GET",))
def count_list(request):
    counts = (
        CycleCount.objects.filter(state=CountState.OPEN)
        .select_related("warehouse", "location")
        .annotate(line_count=Count("lines"), counted=Count("lines", filter=Q(lines__counted_qty__isnull=False)))
        .order_by("number")
    )
    form, found = _find_document(request, Documents(counts, ("number",), lambda c: _url("tablet_count", c.pk)))
    if found:
        return found
    return _render(request, "count_list.html", counts=counts, form=form)


@tablet_screen(COUNT)
def count(request, pk):
    """The next uncounted line in walking order: scan its bin and item, type what is there (blind)."""
    cycle = get_object_or_404(CycleCount.objects.select_related("warehouse", "location"), pk=pk)
    lines = CycleCountLine.objects.filter(count=cycle).select_related("location", "item__uom", "lot")
    form = line = None
    if request.method == "POST":
        line = lines.filter(pk=_int(request.POST.get("line"))).first()
        if line is None:
            messages.error(request, _("That line is not on this count."))
            return redirect(_url("tablet_count", cycle.pk))
        form = CountForm(request.POST)
        if _count_posted(request, form, line):
            return redirect(_url("tablet_count", cycle.pk))
    uncounted = lines.filter(counted_qty__isnull=True)
    if line is None and cycle.state == CountState.OPEN:
        chosen = _int(request.GET.get("line"))
        line = (chosen and lines.filter(pk=chosen).first()) or uncounted.first()
    if form is None and line is not None:
        form = CountForm(initial={"line": line.pk})
    progress = lines.aggregate(total=Count("pk"), counted=Count("pk", filter=Q(counted_qty__isnull=False)))
    return _render(
        request,
        "count.html",
        cycle=cycle,
        line=line,
        form=form,
        bin=line and split_code(line.location.code),
        progress=progress,
        is_open=cycle.state == CountState.OPEN,
        found_url=_url("tablet_count_found", cycle.pk, location=line.location.code if line else None),
    )


def _count_posted(request, form: CountForm, line: CycleCountLine) -> bool:
    if form.is_valid():
        data = form.cleaned_data
        if data["location"].pk != line.location_id:
            message = _("Wrong bin: count %(expected)s, you scanned %(scanned)s.") % {
                "expected": line.location.code,
                "scanned": data["location"].code,
            }
            form.add_error("location", ValidationError(message, code="wrong_bin"))
        if data["item"].pk != line.item_id:
            message = _("Wrong item: count %(expected)s (%(name)s), you scanned %(scanned)s.") % {
                "expected": line.item.code,
                "name": line.item.name,
                "scanned": data["item"].code,
            }
            form.add_error("item", ValidationError(message, code="wrong_item"))

    def post() -> str:
        counted = form.cleaned_data["counted"]
        cycle_count_record(line=line, counted=counted, user=request.user)
        return _("Counted %(qty)s %(unit)s of %(item)s in %(bin)s.") % {
            "qty": format_quantity(counted),
            "unit": line.item.uom.code,
            "item": line.item.code,
            "bin": line.location.code,
        }

    return _posted(request, form, post, {"quantity": "counted"})


@tablet_screen(COUNT)
def count_found(request, pk):
    """Stock the count did not expect: a line of its own (item, lot, quantity) in a bin of the count."""
    cycle = get_object_or_404(CycleCount.objects.select_related("warehouse", "location"), pk=pk)
    form = _bound(request, FoundForm, initial={"location": request.GET.get("location", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        location, item, lot = data["location"], data["item"], None
        scope = cycle.location
        in_scope = scope is None or location.pk == scope.pk or location.code.startswith(f"{scope.code}/")
        if location.warehouse_id != cycle.warehouse_id or not location.holds_stock or not in_scope:
            message = _("%(bin)s is not a bin of this count.") % {"bin": location.code}
            form.add_error("location", ValidationError(message, code="not_in_count"))
        lot = scanned_lot(form, item, data["lot"])
        if not form.errors and data["counted"] <= 0:
            form.add_error("counted", ValidationError(_("Type how many you found."), code="min_value"))

        def post() -> str:
            cycle_count_found(
                count=cycle, location=location, item=item, counted=data["counted"], lot=lot, user=request.user
            )
            return _("Found %(qty)s %(unit)s of %(item)s in %(bin)s: added to the count.") % {
                "qty": format_quantity(data["counted"]),
                "unit": item.uom.code,
                "item": item.code,
                "bin": location.code,
            }

        if _posted(request, form, post, {"quantity": "counted"}):
            return redirect(_url("tablet_count", cycle.pk))
    elif form.is_bound:
        form.rescan()
    return _render(request, "count_found.html", cycle=cycle, form=form)


# --- Move -----------------------------------------------------------------------------------------------


@tablet_screen(MOVE)
def move(request):
    """Scan the bin it comes from, the item, its lot (tracked items), the quantity, the bin it goes to."""
    form = _bound(request, MoveForm)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lot = scanned_lot(form, data["item"], data["lot"])

        def post() -> str:
            moved = stock_transfer(
                item=data["item"],
                quantity=data["quantity"],
                from_location=data["from_location"],
                to_location=data["to_location"],
                lot=lot,
                user=request.user,
            )
            return _("Moved %(qty)s %(unit)s of %(item)s%(lot)s from %(from)s to %(to)s.") % {
                "qty": format_quantity(moved.quantity),
                "unit": moved.item.uom.code,
                "item": moved.item.code,
                "lot": f" {moved.lot.code}" if moved.lot else "",
                "from": moved.from_location.code,
                "to": moved.to_location.code,
            }

        if _posted(request, form, post):
            return redirect(_url("tablet_move"))
    elif form.is_bound:
        form.rescan()
    return _render(request, "move.html", form=form)
