"""After-sales service: service cases from the customer's report to their closing, with their SLA timers
(crm/models/service.py explains them), and the returns (RMAs) authorized on them and received through WMS
into quality hold.

States: open > in progress (first response) <> waiting for the customer > resolved > closed; a resolved
or closed case may be reopened. Each write is one transaction that records what happened as an update
of the case (its history). Locks: the case, then its RMA, then WMS's rows (receipt, quants, lots).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Tracking
from core.formatting import format_quantity
from core.models import Contact, Item, Partner
from core.services.events import event_publish
from core.services.numbering import next_document_number
from crm.events import SLA_BREACHED
from crm.models import (
    ACTIVE_CASE_STATES,
    CasePriority,
    CaseState,
    CaseUpdate,
    CaseUpdateKind,
    Rma,
    RmaLine,
    RmaState,
    ServiceCase,
)
from crm.selectors.cases import (
    hours_span,
    resolution_breached_q,
    response_breached_q,
    sla_clock_add,
    sla_clock_span,
    sla_policy_for,
)
from erp.models import SalesOrder
from mes.selectors.genealogy import lots_by_code
from wms.choices import LocationKind
from wms.models import Lot, StockMove, Warehouse
from wms.services.holds import lot_hold
from wms.services.returns import customer_return_receive

S = CaseState
EDITABLE_FIELDS = {"subject", "description", "priority", "owner", "contact", "item", "lot", "serial", "sales_order"}


def _refuse_state(case: ServiceCase, allowed: str) -> ValidationError:
    message = _("%(case)s is %(state)s: %(allowed)s") % {
        "case": case.number,
        "state": case.get_state_display().lower(),
        "allowed": allowed,
    }
    return ValidationError(message, code="wrong_state")


def _required(field: str, text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(message, code="required")})
    return text


def _lock(case: ServiceCase) -> ServiceCase:
    return (
        ServiceCase.objects.select_for_update(of=("self",))
        .select_related("account", "sla_policy__calendar", "lot__item")
        .get(pk=case.pk)
    )


def _log(case: ServiceCase, kind: str, text: str, user: Any, at: datetime.datetime) -> CaseUpdate:
    return CaseUpdate.objects.create(
        case=case, kind=kind, text=text, at=at, author=user if getattr(user, "is_authenticated", False) else None
    )


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


# --- SLA dues ------------------------------------------------------------------------------------------------


def _dues_set(case: ServiceCase) -> None:
    """The first-response and resolution due times from the case's policy, opening and time paused."""
    policy = case.sla_policy
    if policy is None:
        case.first_response_due = case.resolution_due = None
        return
    case.first_response_due = sla_clock_add(
        policy=policy, start=case.opened_at, span=hours_span(policy.first_response_hours)
    )
    case.resolution_due = sla_clock_add(
        policy=policy, start=case.opened_at, span=hours_span(policy.resolution_hours) + case.paused
    )


def _pause_end(case: ServiceCase, since: datetime.datetime, now: datetime.datetime) -> None:
    """The resolution clock stood from `since` to now: the resolution is due that much (of the clock) later."""
    if case.sla_policy is not None:
        case.paused += sla_clock_span(policy=case.sla_policy, start=since, end=now)
    _dues_set(case)


# --- The unit: serial or lot as reported, the lot it is, the order it was sold on ----------------------------


def _unit_lot(item: Item | None, serial: str) -> Lot | None:
    """The lot (or serial number) the customer reported, of `item` when given. None when no lot has that
    code: the case keeps what was reported and the unit can be named later. Refused when items share it."""
    serial = serial.strip()
    if not serial:
        return None
    lots = lots_by_code(code=serial, item_code=item.code if item else None)
    if len(lots) > 1:
        message = _("Several items have a serial or lot %(code)s: name the item.") % {"code": serial}
        raise ValidationError({"item": ValidationError(message, code="ambiguous")})
    return lots[0] if lots else None


def _shipped_on(lot: Lot, account: Partner) -> SalesOrder | None:
    """The sales order the unit was shipped to the customer on: its shipment moves carry the order number."""
    references = StockMove.objects.filter(lot=lot, to_location__kind=LocationKind.CUSTOMER).values("reference")
    return SalesOrder.objects.filter(number__in=references, customer=account).order_by("-number").first()


def _unit_errors(
    account: Partner,
    *,
    contact: Contact | None,
    item: Item | None,
    lot: Lot | None,
    sales_order: SalesOrder | None,
) -> dict[str, ValidationError]:
    errors = {}
    if contact is not None and contact.partner_id != account.pk:
        message = _("%(contact)s is not a contact of %(account)s.") % {"contact": contact.name, "account": account.code}
        errors["contact"] = ValidationError(message, code="wrong_account")
    if lot is not None and item is not None and lot.item_id != item.pk:
        message = _("%(lot)s is a lot of %(other)s, not of %(item)s.") % {
            "lot": lot.code,
            "other": lot.item.code,
            "item": item.code,
        }
        errors["lot"] = ValidationError(message, code="wrong_item")
    if sales_order is not None and sales_order.customer_id != account.pk:
        message = _("%(order)s is not an order of %(account)s.") % {
            "order": sales_order.number,
            "account": account.code,
        }
        errors["sales_order"] = ValidationError(message, code="wrong_account")
    return errors


# --- Cases ---------------------------------------------------------------------------------------------------


def case_open(
    *,
    account: Partner,
    subject: str,
    description: str = "",
    priority: str = CasePriority.NORMAL,
    contact: Contact | None = None,
    item: Item | None = None,
    serial: str = "",
    lot: Lot | None = None,
    sales_order: SalesOrder | None = None,
    owner: Any = None,
    user: Any = None,
) -> ServiceCase:
    """Open a case on a customer's unit, now. The unit is `lot`, or the lot found by the serial or lot number
    the customer reported (`serial`, of `item` when given); the sales order defaults to the one the unit was
    shipped on. The SLA policy for the account and priority sets the first-response and resolution dues."""
    errors = {}
    if not account.is_customer:
        errors["account"] = ValidationError(
            _("%(partner)s is not a customer.") % {"partner": account.code}, code="not_a_customer"
        )
    if priority not in CasePriority.values:
        errors["priority"] = ValidationError(_("Unknown priority %(value)s.") % {"value": priority}, code="invalid")
    if errors:
        raise ValidationError(errors)
    serial = serial.strip()
    if lot is None:
        lot = _unit_lot(item, serial)
    item = item or (lot.item if lot else None)
    errors = _unit_errors(account, contact=contact, item=item, lot=lot, sales_order=sales_order)
    if errors:
        raise ValidationError(errors)
    if sales_order is None and lot is not None:
        sales_order = _shipped_on(lot, account)
    now = timezone.now()
    with transaction.atomic():
        case = ServiceCase(
            number=next_document_number(doc_type="CS", on=timezone.localdate(now)),
            account=account,
            contact=contact,
            item=item,
            lot=lot,
            serial=serial or (lot.code if lot else ""),
            sales_order=sales_order,
            subject=subject.strip(),
            description=description,
            priority=priority,
            owner=_user(owner),
            sla_policy=sla_policy_for(account=account, priority=priority),
            opened_at=now,
            opened_by=_user(user),
        )
        _dues_set(case)
        case.full_clean()
        case.save()
        _log(case, CaseUpdateKind.OPENED, description, user, now)
        return case


def case_respond(*, case: ServiceCase, text: str, user: Any = None) -> ServiceCase:
    """Answer the customer: the first answer stops the first-response clock and puts an open case in progress."""
    text = _required("text", text, _("Say what was answered."))
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state not in ACTIVE_CASE_STATES:
            raise _refuse_state(case, _("only a case still being worked on is answered."))
        if case.first_responded_at is None:
            case.first_responded_at = now
        if case.state == S.OPEN:
            case.state = S.IN_PROGRESS
        case.save(update_fields=["first_responded_at", "state", "updated_at"])
        _log(case, CaseUpdateKind.RESPONSE, text, user, now)
        return case


def case_update(*, case: ServiceCase, user: Any = None, note: str = "", **changes: Any) -> ServiceCase:
    """Add a note to the case and change what it is about (`changes` of subject, description, priority,
    owner, contact, item, lot, serial, sales_order). A new priority takes the policy of that priority:
    the dues are set again from the opening."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"case_update does not change {sorted(unknown)}")
    note = (note or "").strip()
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state == S.CLOSED:
            raise _refuse_state(case, _("reopen it to change it."))
        changed = {name: value for name, value in changes.items() if getattr(case, name) != value}
        if "owner" in changed:
            changed["owner"] = _user(changed["owner"])
        if "serial" in changed:
            changed["serial"] = (changed["serial"] or "").strip()
        if "subject" in changed:
            changed["subject"] = (changed["subject"] or "").strip()
        if not changed and not note:
            raise ValidationError(_("Nothing to change: add a note or change a field."), code="no_change")
        if "priority" in changed and changed["priority"] not in CasePriority.values:
            message = _("Unknown priority %(value)s.") % {"value": changed["priority"]}
            raise ValidationError({"priority": ValidationError(message, code="invalid")})
        if "serial" in changed and "lot" not in changes:
            # A corrected serial names the unit anew: the lot that has it, or none.
            changed["lot"] = _unit_lot(changed.get("item", case.item), changed["serial"])
        if changed.get("lot") is not None and "item" not in changed:
            changed["item"] = changed["lot"].item
        for name, value in changed.items():
            setattr(case, name, value)
        errors = _unit_errors(
            case.account, contact=case.contact, item=case.item, lot=case.lot, sales_order=case.sales_order
        )
        if errors:
            raise ValidationError(errors)
        if "priority" in changed:
            case.sla_policy = sla_policy_for(account=case.account, priority=case.priority)
            _dues_set(case)
        case.full_clean()
        case.save()
        if changed:
            described = ", ".join(
                f"{ServiceCase._meta.get_field(name).verbose_name}: {_display(case, name)}" for name in sorted(changed)
            )
            _log(case, CaseUpdateKind.CHANGED, f"{described}\n{note}".strip(), user, now)
        else:
            _log(case, CaseUpdateKind.NOTE, note, user, now)
        return case


def _display(case: ServiceCase, name: str) -> str:
    if name == "priority":
        return case.get_priority_display()
    value = getattr(case, name)
    if value is None or value == "":
        return "—"
    return str(getattr(value, "code", None) or getattr(value, "number", None) or value)


def case_wait_customer(*, case: ServiceCase, text: str, user: Any = None) -> ServiceCase:
    """Ask the customer for something: the resolution clock stands until the case resumes. Asking is an
    answer, so it stops the first-response clock if nothing had."""
    text = _required("text", text, _("Say what the customer is asked for."))
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state not in (S.OPEN, S.IN_PROGRESS):
            raise _refuse_state(case, _("only an open case or one in progress waits for the customer."))
        case.state = S.WAITING_CUSTOMER
        case.waiting_since = now
        if case.first_responded_at is None:
            case.first_responded_at = now
        case.save(update_fields=["state", "waiting_since", "first_responded_at", "updated_at"])
        _log(case, CaseUpdateKind.WAITING, text, user, now)
        return case


def _resume(case: ServiceCase, now: datetime.datetime) -> None:
    _pause_end(case, case.waiting_since, now)
    case.waiting_since = None
    case.state = S.IN_PROGRESS


def case_resume(*, case: ServiceCase, text: str = "", user: Any = None) -> ServiceCase:
    """The customer answered: the resolution clock runs again, its due time later by the wait."""
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state != S.WAITING_CUSTOMER:
            raise _refuse_state(case, _("only a case waiting for the customer resumes."))
        _resume(case, now)
        case.save(
            update_fields=["state", "waiting_since", "paused", "first_response_due", "resolution_due", "updated_at"]
        )
        _log(case, CaseUpdateKind.RESUMED, (text or "").strip(), user, now)
        return case


def case_resolve(*, case: ServiceCase, resolution: str, user: Any = None) -> ServiceCase:
    """The problem is solved (a waiting case's wait ends here): the resolution clock stops."""
    resolution = _required("resolution", resolution, _("Say how the case was resolved."))
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state not in ACTIVE_CASE_STATES:
            raise _refuse_state(case, _("it is not being worked on."))
        if case.state == S.WAITING_CUSTOMER:
            _resume(case, now)
        case.state = S.RESOLVED
        case.resolved_at = now
        case.resolution = resolution
        if case.first_responded_at is None:
            case.first_responded_at = now
        case.save()
        _log(case, CaseUpdateKind.RESOLVED, resolution, user, now)
        return case


def case_close(*, case: ServiceCase, user: Any = None) -> ServiceCase:
    """The customer confirmed the resolution (or did not object): the case is closed."""
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state != S.RESOLVED:
            raise _refuse_state(case, _("only a resolved case is closed."))
        case.state = S.CLOSED
        case.closed_at = now
        case.save(update_fields=["state", "closed_at", "updated_at"])
        _log(case, CaseUpdateKind.CLOSED, "", user, now)
        return case


def case_reopen(*, case: ServiceCase, reason: str, user: Any = None) -> ServiceCase:
    """The problem is back: the case is in progress again. The time it spent resolved does not count against
    its resolution target (the clock stood, as for a wait); a breach already flagged stays flagged."""
    reason = _required("reason", reason, _("Say why the case is reopened."))
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state not in (S.RESOLVED, S.CLOSED):
            raise _refuse_state(case, _("only a resolved or closed case is reopened."))
        _pause_end(case, case.resolved_at, now)
        case.state = S.IN_PROGRESS
        case.resolved_at = case.closed_at = None
        case.save()
        _log(case, CaseUpdateKind.REOPENED, reason, user, now)
        return case


# --- Breaches --------------------------------------------------------------------------------------------------


BREACHES = (
    ("response", "response_breached_at", "first_response_due", response_breached_q),
    ("resolution", "resolution_breached_at", "resolution_due", resolution_breached_q),
)


def sla_breaches_flag() -> list[tuple[ServiceCase, str]]:
    """Flag every breach not flagged yet, now: the case records it and `crm.service_case.sla_breached` is
    published, once per case and target however often this runs (a sweep running at the same time skips
    the cases this one holds). Returns (case, target) of the breaches flagged."""
    now = timezone.now()
    flagged = []
    with transaction.atomic():
        for target, flag, due_field, condition in BREACHES:
            cases = (
                ServiceCase.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(condition(now), **{f"{flag}__isnull": True})
                .select_related("account", "owner")
                .order_by("pk")
            )
            for case in cases:
                setattr(case, flag, now)
                case.save(update_fields=[flag, "updated_at"])
                due = getattr(case, due_field)
                text = _("The %(target)s target (due %(due)s) was breached.") % {
                    "target": _("first response") if target == "response" else _("resolution"),
                    "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                }
                _log(case, CaseUpdateKind.SLA_BREACHED, text, None, now)
                event_publish(
                    name=SLA_BREACHED,
                    payload={
                        "case": case.number,
                        "target": target,
                        "account": case.account.code,
                        "priority": case.priority,
                        "owner": case.owner.username if case.owner else None,
                        "due": due.isoformat(),
                        "flagged_at": now.isoformat(),
                    },
                    aggregate=case,
                )
                flagged.append((case, target))
    return flagged


# --- Returns (RMAs) --------------------------------------------------------------------------------------------


def _rma_line_errors(index: int, values: dict[str, Any]) -> dict[str, ValidationError]:
    prefix = f"lines.{index}"
    item: Item | None = values.get("item")
    lot: Lot | None = values.get("lot")
    quantity = values.get("quantity")
    errors = {}
    if item is None:
        errors[f"{prefix}.item"] = ValidationError(_("Say which item comes back."), code="required")
    if quantity is None or Decimal(quantity) <= 0:
        errors[f"{prefix}.quantity"] = ValidationError(_("The quantity must be more than zero."), code="min_value")
    if not (values.get("reason") or "").strip():
        errors[f"{prefix}.reason"] = ValidationError(_("Say why it comes back."), code="required")
    if item is None:
        return errors
    if lot is not None and lot.item_id != item.pk:
        message = _("%(lot)s is a lot of %(other)s, not of %(item)s.") % {
            "lot": lot.code,
            "other": lot.item.code,
            "item": item.code,
        }
        errors[f"{prefix}.lot"] = ValidationError(message, code="wrong_item")
    elif lot is None and item.tracking != Tracking.NONE:
        message = _("%(item)s is tracked: say which serial or lot comes back.") % {"item": item.code}
        errors[f"{prefix}.lot"] = ValidationError(message, code="required")
    elif lot is not None and item.tracking == Tracking.NONE:
        message = _("%(item)s is not tracked by lot.") % {"item": item.code}
        errors[f"{prefix}.lot"] = ValidationError(message, code="not_tracked")
    if item.tracking == Tracking.SERIAL and quantity is not None and Decimal(quantity) != 1:
        message = _("%(item)s is serial-numbered: one unit per serial number.") % {"item": item.code}
        errors[f"{prefix}.quantity"] = ValidationError(message, code="serial_quantity")
    return errors


def rma_authorize(
    *,
    case: ServiceCase,
    lines: list[dict[str, Any]],
    warehouse: Warehouse | None = None,
    note: str = "",
    user: Any = None,
) -> Rma:
    """Authorize the customer to send goods back on the case: lines of {item, lot (for tracked items),
    quantity, reason}, to `warehouse` (default: the one the case's sales order shipped from). Line errors
    are reported under `lines.<index>.<field>`."""
    errors = {}
    if not lines:
        errors["lines"] = ValidationError(_("A return brings back at least one item."), code="required")
    for index, values in enumerate(lines):
        errors.update(_rma_line_errors(index, values))
    warehouse = warehouse or (case.sales_order.warehouse if case.sales_order_id else None)
    if warehouse is None:
        errors["warehouse"] = ValidationError(_("Say which warehouse the goods come back to."), code="required")
    elif warehouse.quality_location_id is None:
        message = _("%(warehouse)s has no quality-hold location to receive returns into.") % {
            "warehouse": warehouse.code
        }
        errors["warehouse"] = ValidationError(message, code="no_quality_location")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state == S.CLOSED:
            raise _refuse_state(case, _("reopen it to authorize a return."))
        rma = Rma(
            number=next_document_number(doc_type="RMA", on=timezone.localdate(now)),
            case=case,
            warehouse=warehouse,
            note=note,
            authorized_at=now,
            authorized_by=_user(user),
        )
        rma.full_clean()
        rma.save()
        made = []
        for values in lines:
            line = RmaLine(
                rma=rma,
                item=values["item"],
                lot=values.get("lot"),
                quantity=Decimal(values["quantity"]),
                reason=values["reason"].strip(),
            )
            line.full_clean(exclude=["rma"])
            line.save()
            made.append(line)
        headline = _("Return %(rma)s authorized") % {"rma": rma.number}
        _log(case, CaseUpdateKind.RMA, _rma_text(headline, made), user, now)
        return rma


def _rma_text(headline: str, lines: list[RmaLine]) -> str:
    goods = "; ".join(
        f"{format_quantity(line.quantity)} {line.item.code}{f' {line.lot.code}' if line.lot else ''}: {line.reason}"
        for line in lines
    )
    return f"{headline}: {goods}"


def _lock_rma(rma: Rma) -> Rma:
    return Rma.objects.select_for_update(of=("self",)).select_related("case__account", "warehouse").get(pk=rma.pk)


def rma_receive(*, rma: Rma, user: Any = None) -> Rma:
    """The goods are back: WMS receives them from the customer, in full, into the warehouse's quality-hold
    location, and every returned lot is put on hold (one held already keeps its reason). All or nothing."""
    now = timezone.now()
    with transaction.atomic():
        case = _lock(rma.case)
        rma = _lock_rma(rma)
        if rma.state != RmaState.AUTHORIZED:
            message = _("%(rma)s is %(state)s: only an authorized return is received.") % {
                "rma": rma.number,
                "state": rma.get_state_display().lower(),
            }
            raise ValidationError(message, code="wrong_state")
        lines = list(rma.lines.select_related("item__uom", "lot__item").order_by("pk"))
        receipt = customer_return_receive(
            warehouse=rma.warehouse,
            customer=case.account,
            lines=[{"item": line.item, "lot": line.lot, "quantity": line.quantity} for line in lines],
            reference=rma.number,
            user=user,
        )
        for line in lines:
            if line.lot is not None and not Lot.objects.filter(pk=line.lot.pk, on_hold=True).exists():
                reason = _("Returned by %(customer)s on %(rma)s (%(case)s): %(reason)s") % {
                    "customer": case.account.code,
                    "rma": rma.number,
                    "case": case.number,
                    "reason": line.reason,
                }
                lot_hold(lot=line.lot, reason=reason, user=user)
        rma.receipt = receipt
        rma.state = RmaState.RECEIVED
        rma.received_at = now
        rma.received_by = _user(user)
        rma.save(update_fields=["receipt", "state", "received_at", "received_by", "updated_at"])
        headline = _("Return %(rma)s received into quality hold at %(location)s") % {
            "rma": rma.number,
            "location": rma.warehouse.quality_location.code,
        }
        _log(case, CaseUpdateKind.RMA, _rma_text(headline, lines), user, now)
        return rma


def rma_close(*, rma: Rma, user: Any = None) -> Rma:
    """Nothing more is expected of the return: received and decided, or never sent back."""
    now = timezone.now()
    with transaction.atomic():
        case = _lock(rma.case)
        rma = _lock_rma(rma)
        if rma.state == RmaState.CLOSED:
            raise ValidationError(_("%(rma)s is closed already.") % {"rma": rma.number}, code="wrong_state")
        rma.state = RmaState.CLOSED
        rma.closed_at = now
        rma.save(update_fields=["state", "closed_at", "updated_at"])
        _log(case, CaseUpdateKind.RMA, _("Return %(rma)s closed.") % {"rma": rma.number}, user, now)
        return rma
