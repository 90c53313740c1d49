"""The operator tablet (docs/tablet.md): 1280x800, touch, a badge and barcode scanner as keyboard.

The tablet itself is signed in as a shared user with the operator role; the person working is whoever
scanned their badge last, remembered in the tablet's session and recorded on every event. They pick a
machine (signing on to it), and the machine's screen shows what runs there, its dispatch list and the
buttons: start, count, pause with a reason, resume, complete, downtime, material, produced lots.

An operation is started from the dispatch list, or by scanning its barcode on the production traveller,
which opens it on the machine's screen (mes.selectors.dispatch.operation_by_code says why it cannot run).
Every button is one call to mes.services.execution. A refusal is shown in large red text on the
screen it came from and nothing is recorded; a form keeps what was scanned except the refused field.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import format_quantity
from core.models import Machine
from core.navigation import MenuItem
from erp.models import Employee, ProductionOperation
from mes.choices import MachineState, RunState
from mes.forms.tablet import (
    BackflushForm,
    BadgeForm,
    ConsumeForm,
    CountForm,
    OperationScanForm,
    ProduceForm,
    ReasonForm,
    reasons_by_category,
)
from mes.models import Downtime, MachineStatus, OperationRun, OperatorAssignment
from mes.selectors.dispatch import dispatch_entry, dispatch_list, operation_attachments
from mes.selectors.quality import inspections_due, is_last_operation, plans_for_operation
from mes.services.execution import (
    downtime_end,
    downtime_start,
    lot_produce,
    material_backflush,
    material_consume,
    operation_complete,
    operation_count,
    operation_pause,
    operation_resume,
    operation_start,
    operator_sign_off,
    operator_sign_on,
    run_names,
)
from wms.models import Lot
from wms.tablet import ScanForm, tablet_screen

# Who may use the tablet: the floor roles, which run operations (the shared tablet user is an operator).
TABLET = "mes.change_operationrun"
OPERATOR_SESSION_KEY = "mes_tablet_operator"


def _url(name: str, *args, **query) -> str:
    url = reverse(f"mes:{name}", args=args)
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _posted_data(request):
    """What a form is bound to: the POST, even an empty one (an empty QueryDict is falsy)."""
    return request.POST if request.method == "POST" else None


def _render(request, template: str, **context) -> HttpResponse:
    return render(request, f"mes/tablet/{template}", context)


def _called(request, form: ScanForm | None, post: Callable[[], str]) -> bool:
    """Call a service (unless the form has errors already) and say what it did. Its refusal goes onto the
    form, or without one into a message, and nothing is recorded."""
    if form is not None and form.errors:
        form.rescan()
        return False
    try:
        with transaction.atomic():
            message = post()
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(exc.messages))
        else:
            form.refuse(exc)
            form.rescan()
        return False
    messages.success(request, message)
    return True


# --- Who works, and where ------------------------------------------------------------------------------------


def _operator(request) -> Employee | None:
    pk = request.session.get(OPERATOR_SESSION_KEY)
    return Employee.objects.filter(pk=pk, active=True).first() if pk else None


def operator_screen(methods: tuple[str, ...] = ("GET", "POST")):
    """A tablet screen for the operator whose badge was scanned; without one, the badge screen."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def with_operator(request, *args, **kwargs):
            operator = _operator(request)
            if operator is None:
                messages.info(request, _("Scan your badge first."))
                return redirect(_url("tablet_home"))
            return view(request, operator, *args, **kwargs)

        return tablet_screen(TABLET, methods=methods)(with_operator)

    return decorate


def machine_screen(methods: tuple[str, ...] = ("GET", "POST")):
    """A screen of a machine the operator is signed on to; else back to picking a machine."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @operator_screen(methods)
        @wraps(view)
        def on_machine(request, operator, pk, *args, **kwargs):
            machine = get_object_or_404(Machine.objects.select_related("work_center"), pk=pk)
            if not OperatorAssignment.objects.filter(employee=operator, machine=machine, until__isnull=True).exists():
                messages.error(request, _("Sign on to %(machine)s first.") % {"machine": machine.code})
                return redirect(_url("tablet_machines"))
            return view(request, operator, machine, *args, **kwargs)

        return on_machine

    return decorate


def _open_run(machine: Machine) -> OperationRun | None:
    return (
        OperationRun.objects.exclude(state=RunState.DONE)
        .select_related("operation__order__item__uom", "operation__order__routing_revision", "machine")
        .filter(machine=machine)
        .first()
    )


def _run_or_message(request, machine: Machine) -> OperationRun | None:
    run = _open_run(machine)
    if run is None:
        messages.error(request, _("Nothing runs on %(machine)s: start an operation first.") % {"machine": machine.code})
    return run


# --- Badge and machines --------------------------------------------------------------------------------------


@tablet_screen(TABLET)
def home(request):
    """Scan a badge: that person works on this tablet until the next badge (or signing out)."""
    form = BadgeForm(_posted_data(request))
    if request.method == "POST":
        if form.is_valid():
            operator = form.cleaned_data["badge"]
            request.session[OPERATOR_SESSION_KEY] = operator.pk
            messages.success(request, _("Hello %(name)s.") % {"name": operator.full_name})
            return redirect(_url("tablet_machines"))
        form.rescan()
    return _render(request, "home.html", form=form, operator=_operator(request))


@operator_screen(methods=("POST",))
def sign_out(request, operator):
    """The operator leaves: signed off every machine (and clocked out), the tablet forgets the badge."""
    if OperatorAssignment.objects.filter(employee=operator, until__isnull=True).exists():
        try:
            with transaction.atomic():
                operator_sign_off(employee=operator, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_url("tablet_machines"))
    request.session.pop(OPERATOR_SESSION_KEY, None)
    messages.success(request, _("Goodbye %(name)s: signed off.") % {"name": operator.full_name})
    return redirect(_url("tablet_home"))


@operator_screen(methods=("GET",))
def machines(request, operator):
    """Every active machine by work center, its state and what runs on it; the operator's own marked."""
    mine = set(
        OperatorAssignment.objects.filter(employee=operator, until__isnull=True).values_list("machine_id", flat=True)
    )
    statuses = {
        status.machine_id: status for status in MachineStatus.objects.select_related("reason", "operation__order__item")
    }
    rows = [
        {"machine": machine, "status": statuses.get(machine.pk), "signed_on": machine.pk in mine}
        for machine in Machine.objects.filter(active=True)
        .select_related("work_center")
        .order_by("work_center__code", "code")
    ]
    return _render(request, "machines.html", operator=operator, rows=rows, signed_on=len(mine))


@operator_screen(methods=("POST",))
def sign_on(request, operator, pk):
    machine = get_object_or_404(Machine, pk=pk)

    def post() -> str:
        operator_sign_on(employee=operator, machine=machine, user=request.user)
        return _("%(name)s is on %(machine)s.") % {"name": operator.full_name, "machine": machine.code}

    signed_on = _called(request, None, post)
    return redirect(_url("tablet_machine", machine.pk) if signed_on else _url("tablet_machines"))


@machine_screen(methods=("POST",))
def sign_off(request, operator, machine):
    def post() -> str:
        operator_sign_off(employee=operator, machine=machine, user=request.user)
        return _("%(name)s left %(machine)s.") % {"name": operator.full_name, "machine": machine.code}

    _called(request, None, post)
    return redirect(_url("tablet_machines"))


# --- The machine ---------------------------------------------------------------------------------------------


@machine_screen(methods=("GET",))
def machine(request, operator, machine):
    """What runs on the machine and how far it got, the buttons for it, and the dispatch list. A traveller's
    operation barcode scanned here (?operation=MO-2026-00012/20) opens that operation above the list, with
    its Start button; a code naming nothing this machine can run is refused on the scan field."""
    run = _open_run(machine)
    scan = OperationScanForm(request.GET if "operation" in request.GET else None, machine=machine)
    scanned = None
    if scan.is_bound:
        if scan.is_valid():
            operation = scan.cleaned_data["operation"]
            if run is not None and run.operation_id == operation.pk:
                messages.info(request, _("Operation %(seq)s of %(number)s is open on this machine.") % run_names(run))
                return redirect(_url("tablet_machine", machine.pk))
            scanned = dispatch_entry(operation=operation)
        else:
            scan.rescan()
    status = MachineStatus.objects.filter(machine=machine).first()
    downtime = Downtime.objects.filter(machine=machine, end__isnull=True).select_related("reason").first()
    context: dict[str, Any] = {
        "operator": operator,
        "machine": machine,
        "run": run,
        "state": status.state if status else MachineState.IDLE,
        "state_label": status.get_state_display() if status else MachineState.IDLE.label,
        "downtime": downtime,
        # The scanned operation is shown above the list, not twice.
        "entries": [
            entry for entry in dispatch_list(machine=machine) if scanned is None or entry.operation != scanned.operation
        ],
        "form": scan,  # its refusal is shown on top
        "scanned": scanned,
        "may_start": run is None and downtime is None,
    }
    if run is not None:
        operation = run.operation
        good = operation.good_qty + run.good_qty - run.booked_good
        scrap = operation.scrap_qty + run.scrap_qty - run.booked_scrap
        quantity = operation.order.quantity
        context.update(
            good=good,
            scrap=scrap,
            quantity=quantity,
            percent=min(100, int(good * 100 / quantity)),  # orders are for more than 0
            is_last=is_last_operation(run.operation),
            attachments=operation_attachments([operation]).get(operation.pk, []),
            inspections=_inspections(run),
        )
    return _render(request, "machine.html", **context)


def _inspections(run: OperationRun) -> list[tuple[Any, Any]]:
    """The operation's inspection plans, each with what it is owed now (None when nothing is due)."""
    due = {owed.plan.pk: owed for owed in inspections_due(run)}
    return [(plan, due.get(plan.pk)) for plan in plans_for_operation(run.operation)]


@machine_screen(methods=("POST",))
def start(request, operator, machine, operation_pk):
    operation = get_object_or_404(ProductionOperation, pk=operation_pk)

    def post() -> str:
        run = operation_start(operation=operation, machine=machine, employee=operator, user=request.user)
        return _("Started operation %(seq)s of %(number)s on %(machine)s.") % run_names(run)

    _called(request, None, post)
    return redirect(_url("tablet_machine", machine.pk))


def _reason_screen(request, operator, machine, *, title: str, post: Callable[[Any], str]):
    """Pick a downtime reason (planned or unplanned) by its button; `post(reason)` calls the service."""
    form = ReasonForm(_posted_data(request))
    picked = request.method == "POST" and form.is_valid()
    if picked and _called(request, None, lambda: post(form.cleaned_data["reason"])):
        return redirect(_url("tablet_machine", machine.pk))
    return _render(
        request,
        "reasons.html",
        operator=operator,
        machine=machine,
        form=form,
        groups=reasons_by_category(),
        title=title,
    )


@machine_screen()
def pause(request, operator, machine):
    run = _run_or_message(request, machine)
    if run is None:
        return redirect(_url("tablet_machine", machine.pk))

    def post(reason) -> str:
        operation_pause(run=run, reason=reason, employee=operator, user=request.user)
        return _("Paused operation %(seq)s of %(number)s: %(reason)s.") % {**run_names(run), "reason": reason.name}

    title = _("Why does %(machine)s pause?") % {"machine": machine.code}
    return _reason_screen(request, operator, machine, title=title, post=post)


@machine_screen()
def downtime(request, operator, machine):
    def post(reason) -> str:
        downtime_start(machine=machine, reason=reason, employee=operator, user=request.user)
        return _("%(machine)s is down: %(reason)s.") % {"machine": machine.code, "reason": reason.name}

    title = _("Why does %(machine)s stop?") % {"machine": machine.code}
    return _reason_screen(request, operator, machine, title=title, post=post)


@machine_screen(methods=("POST",))
def downtime_end_view(request, operator, machine):
    def post() -> str:
        ended = downtime_end(machine=machine, employee=operator, user=request.user)
        return _("%(machine)s is back after %(reason)s.") % {"machine": machine.code, "reason": ended.reason.name}

    _called(request, None, post)
    return redirect(_url("tablet_machine", machine.pk))


@machine_screen(methods=("POST",))
def resume(request, operator, machine):
    run = _run_or_message(request, machine)
    if run is not None:

        def post() -> str:
            operation_resume(run=run, employee=operator, user=request.user)
            return _("Operation %(seq)s of %(number)s runs again.") % run_names(run)

        _called(request, None, post)
    return redirect(_url("tablet_machine", machine.pk))


@machine_screen(methods=("POST",))
def complete(request, operator, machine):
    run = _run_or_message(request, machine)
    if run is not None:

        def post() -> str:
            done = operation_complete(run=run, employee=operator, user=request.user)
            return _("Completed operation %(seq)s of %(number)s: %(good)s good, %(scrap)s scrap.") % {
                **run_names(done),
                "good": format_quantity(done.good_qty),
                "scrap": format_quantity(done.scrap_qty),
            }

        _called(request, None, post)
    return redirect(_url("tablet_machine", machine.pk))


@machine_screen()
def count(request, operator, machine):
    """Good and scrap; more good units than ordered are refused until a supervisor signs for them."""
    run = _run_or_message(request, machine)
    if run is None:
        return redirect(_url("tablet_machine", machine.pk))
    form = CountForm(_posted_data(request), request=request)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    operation_count(
                        run=run,
                        good_qty=data["good"],
                        scrap_qty=data["scrap"],
                        scrap_reason=data["scrap_reason"],
                        employee=operator,
                        user=request.user,
                        override_by=data["override_by"],
                    )
            except ValidationError as exc:
                # More than ordered asks for the supervisor: the cursor goes to their badge, the count stays.
                good_field = "supervisor" if _over_quantity(exc) else "good"
                form.refuse(exc, {"good_qty": good_field, "scrap_qty": "scrap"})
            else:
                counted = {"good": format_quantity(data["good"]), "scrap": format_quantity(data["scrap"])}
                message = _("Counted %(good)s good and %(scrap)s scrap on operation %(seq)s of %(number)s.")
                messages.success(request, message % {**run_names(run), **counted})
                return redirect(_url("tablet_machine", machine.pk))
        form.rescan()
    return _render(request, "count.html", operator=operator, machine=machine, run=run, form=form)


def _over_quantity(error: ValidationError) -> bool:
    return any(e.code == "over_quantity" for e in getattr(error, "error_dict", {}).get("good_qty", []))


@machine_screen()
def material(request, operator, machine, kind="consume"):
    """Scan a lot as it goes in, or backflush the bill of materials for a number of units."""
    run = _run_or_message(request, machine)
    if run is None:
        return redirect(_url("tablet_machine", machine.pk))
    order = run.operation.order
    posted = _posted_data(request)
    consume_form = ConsumeForm(posted if kind == "consume" else None, order=order, prefix="consume")
    backflush_form = BackflushForm(posted if kind == "backflush" else None, prefix="backflush")
    form = consume_form if kind == "consume" else backflush_form
    if posted is not None:
        form.is_valid()
        post = _consume(request, operator, run, form) if kind == "consume" else _backflush(request, operator, run, form)
        if _called(request, form, post):
            return redirect(_url("tablet_material", machine.pk))
    return _render(
        request,
        "material.html",
        operator=operator,
        machine=machine,
        run=run,
        form=form,  # the posted one: its errors are shown on top
        consume_form=consume_form,
        backflush_form=backflush_form,
        components=order.components.select_related("item__uom"),
    )


def _consume(request, operator, run: OperationRun, form: ConsumeForm) -> Callable[[], str]:
    def post() -> str:
        data = form.cleaned_data
        events = material_consume(
            run=run,
            component=data["component"],
            quantity=data["quantity"],
            lot=data["lot"],
            location=data["location"],
            employee=operator,
            user=request.user,
        )
        return _("Consumed %(qty)s %(unit)s of %(item)s, lot %(lot)s.") % {
            "qty": format_quantity(sum(event.quantity for event in events)),
            "unit": data["component"].item.uom.code,
            "item": data["component"].item.code,
            "lot": data["lot"].code,
        }

    return post


def _backflush(request, operator, run: OperationRun, form: BackflushForm) -> Callable[[], str]:
    def post() -> str:
        data = form.cleaned_data
        events = material_backflush(
            run=run, quantity=data["quantity"], location=data["location"], employee=operator, user=request.user
        )
        return _("Backflushed the materials of %(qty)s units: %(moves)s consumptions recorded.") % {
            "qty": format_quantity(data["quantity"]),
            "moves": len(events),
        }

    return post


@machine_screen()
def produce(request, operator, machine):
    """Good units of the last operation to stock under lots or serials; the new codes are shown to print."""
    run = _run_or_message(request, machine)
    if run is None:
        return redirect(_url("tablet_machine", machine.pk))
    order = run.operation.order
    counted = run.operation.good_qty + run.good_qty - run.booked_good
    to_receive = max(counted - order.completed_qty, 0)
    form = ProduceForm(_posted_data(request), initial={"quantity": format_quantity(to_receive)})
    if request.method == "POST":
        form.is_valid()
        lots: list[int] = []

        def post() -> str:
            data = form.cleaned_data
            events = lot_produce(
                run=run,
                quantity=data["quantity"],
                lot_code=data["lot_code"] or None,
                location=data["location"],
                employee=operator,
                user=request.user,
            )
            lots.extend(event.lot_id for event in events if event.lot_id)
            return _("Received %(qty)s %(unit)s of %(item)s.") % {
                "qty": format_quantity(data["quantity"]),
                "unit": order.item.uom.code,
                "item": order.item.code,
            }

        if _called(request, form, post):
            return redirect(_url("tablet_produce", machine.pk, lots=",".join(map(str, lots))))
    produced_ids = [int(pk) for pk in request.GET.get("lots", "").split(",") if pk.isdigit()]
    produced = Lot.objects.filter(pk__in=produced_ids, item=order.item).order_by("code") if produced_ids else []
    return _render(
        request,
        "produce.html",
        operator=operator,
        machine=machine,
        run=run,
        form=form,
        produced=produced,
        to_receive=to_receive,
        is_last=is_last_operation(run.operation),
    )


urlpatterns = [
    path("tablet/", home, name="tablet_home"),
    path("tablet/sign-out/", sign_out, name="tablet_sign_out"),
    path("tablet/machines/", machines, name="tablet_machines"),
    path("tablet/machines/<int:pk>/", machine, name="tablet_machine"),
    path("tablet/machines/<int:pk>/sign-on/", sign_on, name="tablet_sign_on"),
    path("tablet/machines/<int:pk>/sign-off/", sign_off, name="tablet_sign_off"),
    path("tablet/machines/<int:pk>/start/<int:operation_pk>/", start, name="tablet_start"),
    path("tablet/machines/<int:pk>/pause/", pause, name="tablet_pause"),
    path("tablet/machines/<int:pk>/resume/", resume, name="tablet_resume"),
    path("tablet/machines/<int:pk>/complete/", complete, name="tablet_complete"),
    path("tablet/machines/<int:pk>/count/", count, name="tablet_count"),
    path("tablet/machines/<int:pk>/downtime/", downtime, name="tablet_downtime"),
    path("tablet/machines/<int:pk>/downtime/end/", downtime_end_view, name="tablet_downtime_end"),
    path("tablet/machines/<int:pk>/material/", material, {"kind": "consume"}, name="tablet_material"),
    path("tablet/machines/<int:pk>/material/backflush/", material, {"kind": "backflush"}, name="tablet_backflush"),
    path("tablet/machines/<int:pk>/produce/", produce, name="tablet_produce"),
]

MENU = (MenuItem(gettext_lazy("Tablet"), "mes:tablet_home", TABLET),)
