"""Contracts (blanket orders) and their call-offs.

A contract agrees per item a total quantity at a fixed price with one supplier for a period. Each
call-off is a draft ERP purchase order at the contract prices for part of what remains; the contract
lines are locked (select_for_update, in one order) while their called-off quantities are raised, so call-offs
made at the same moment never take more than was agreed. Cancelling the order in ERP gives the
quantities back (srm.handlers hears erp.purchase_order.cancelled in ERP's transaction).
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_quantity as qty
from core.models import Currency, Item, Partner
from core.services.numbering import next_document_number
from erp.selectors.purchasing import default_currency
from erp.services.purchasing import purchase_order_create
from srm.models import CallOff, CallOffLine, Contract, ContractLine, ContractState
from wms.models import Warehouse

State = ContractState
CLOSABLE_STATES = (State.ACTIVE, State.EXPIRED)
LINE_FIELDS = ("item", "quantity", "unit_price")
CALL_OFF_FIELDS = ("item", "quantity", "expected_date")


def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update(of=("self",)).select_related("supplier", "currency").get(pk=contract.pk)


def _require_state(contract: Contract, states: Iterable[str], doing: str) -> None:
    if contract.state not in states:
        message = _("%(contract)s is %(state)s: it cannot be %(doing)s.") % {
            "contract": contract.number,
            "state": contract.get_state_display().lower(),
            "doing": doing,
        }
        raise ValidationError(message, code="invalid_state")


def _header_errors(
    supplier: Partner, valid_from: datetime.date | None, valid_to: datetime.date | None
) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    if not supplier.is_supplier:
        message = _("%(partner)s is not a supplier.") % {"partner": supplier.code}
        errors["supplier"] = ValidationError(message, code="not_a_supplier")
    elif not supplier.active:
        message = _("%(partner)s is inactive.") % {"partner": supplier.code}
        errors["supplier"] = ValidationError(message, code="inactive")
    if valid_from is None:
        errors["valid_from"] = ValidationError(_("Say from when the contract holds."), code="required")
    if valid_to is None:
        errors["valid_to"] = ValidationError(_("Say until when the contract holds."), code="required")
    elif valid_from is not None and valid_to < valid_from:
        message = _("Ends on %(to)s, before it starts on %(from)s.") % {"to": valid_to, "from": valid_from}
        errors["valid_to"] = ValidationError(message, code="invalid_period")
    return errors


def _save_line(line: ContractLine) -> ContractLine:
    errors: dict[str, ValidationError] = {}
    if not line.item.active:
        errors["item"] = ValidationError(_("%(item)s is inactive.") % {"item": line.item.code}, code="inactive")
    elif line.contract.lines.filter(item=line.item).exclude(pk=line.pk).exists():
        message = _("%(item)s is on the contract already.") % {"item": line.item.code}
        errors["item"] = ValidationError(message, code="duplicate")
    if line.quantity <= 0:
        errors["quantity"] = ValidationError(_("Agree a positive quantity."), code="not_positive")
    if line.unit_price < 0:
        errors["unit_price"] = ValidationError(_("A price cannot be negative."), code="negative")
    if errors:
        raise ValidationError(errors)
    line.full_clean(exclude=["contract"], validate_constraints=False)
    line.save()
    return line


def _new_line(contract: Contract, fields: Mapping[str, Any]) -> ContractLine:
    unknown = set(fields) - set(LINE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contract line fields: {sorted(unknown)}")
    return ContractLine(
        contract=contract,
        item=fields["item"],
        quantity=Decimal(fields["quantity"]),
        unit_price=Decimal(fields["unit_price"]),
    )


def _nested(errors: dict[str, Any], index: int, exc: ValidationError) -> None:
    for name, field_errors in exc.error_dict.items():
        errors[f"lines.{index}.{name}"] = field_errors


# --- The contract -------------------------------------------------------------------------------------------------


def contract_create(
    *,
    supplier: Partner,
    valid_from: datetime.date,
    valid_to: datetime.date,
    lines: Iterable[Mapping[str, Any]] = (),
    currency: Currency | None = None,
    terms: str = "",
    buyer: Any = None,
) -> Contract:
    """A draft contract. Lines are {item, quantity (the total agreed), unit_price (contract currency)}; the
    currency defaults to the supplier's, else the company's."""
    errors: dict[str, Any] = _header_errors(supplier, valid_from, valid_to)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contract = Contract(
            supplier=supplier,
            currency=currency or default_currency(supplier=supplier),
            valid_from=valid_from,
            valid_to=valid_to,
            terms=terms,
            buyer=buyer if getattr(buyer, "is_authenticated", False) else None,
        )
        contract.number = next_document_number(doc_type="BPO", on=valid_from)
        contract.full_clean()
        contract.save()
        for index, fields in enumerate(lines):
            try:
                _save_line(_new_line(contract, fields))
            except ValidationError as exc:
                _nested(errors, index, exc)
        if errors:
            raise ValidationError(errors)
        return contract


def contract_update(
    *,
    contract: Contract,
    supplier: Partner,
    valid_from: datetime.date,
    valid_to: datetime.date,
    currency: Currency | None = None,
    terms: str = "",
) -> Contract:
    """Change a draft's header; an active contract may only be extended (a later end) and its terms noted."""
    with transaction.atomic():
        contract = _lock(contract)
        _require_state(contract, (State.DRAFT, State.ACTIVE), _("changed"))
        errors: dict[str, Any] = _header_errors(supplier, valid_from, valid_to)
        if contract.state == State.ACTIVE:
            agreed = {"supplier": supplier, "valid_from": valid_from, "currency": currency or contract.currency}
            for name, value in agreed.items():
                if value != getattr(contract, name):
                    message = _("%(contract)s is active: its %(field)s stays as agreed.") % {
                        "contract": contract.number,
                        "field": Contract._meta.get_field(name).verbose_name,
                    }
                    errors[name] = ValidationError(message, code="active")
            if valid_to is not None and valid_to < contract.valid_to:
                message = _("%(contract)s is active: it may be extended, not shortened.") % {
                    "contract": contract.number
                }
                errors["valid_to"] = ValidationError(message, code="active")
        if errors:
            raise ValidationError(errors)
        contract.supplier, contract.valid_from, contract.valid_to = supplier, valid_from, valid_to
        contract.currency = currency or default_currency(supplier=supplier)
        contract.terms = terms
        contract.full_clean()
        contract.save()
        return contract


def contract_line_add(*, contract: Contract, item: Item, quantity: Decimal, unit_price: Decimal) -> ContractLine:
    with transaction.atomic():
        contract = _lock(contract)
        _require_state(contract, (State.DRAFT,), _("changed"))
        return _save_line(_new_line(contract, {"item": item, "quantity": quantity, "unit_price": unit_price}))


def contract_line_remove(*, line: ContractLine) -> None:
    with transaction.atomic():
        contract = _lock(line.contract)
        _require_state(contract, (State.DRAFT,), _("changed"))
        ContractLine.objects.filter(pk=line.pk, contract=contract).delete()


def contract_activate(*, contract: Contract, user: Any = None) -> Contract:
    """Put a draft in force: it needs lines, and its period must not be over."""
    with transaction.atomic():
        contract = _lock(contract)
        _require_state(contract, (State.DRAFT,), _("activated"))
        errors: dict[str, ValidationError] = {}
        if not contract.lines.exists():
            message = _("%(contract)s has no lines.") % {"contract": contract.number}
            errors["lines"] = ValidationError(message, code="required")
        if contract.valid_to < timezone.localdate():
            message = _("%(contract)s ended on %(date)s.") % {"contract": contract.number, "date": contract.valid_to}
            errors["valid_to"] = ValidationError(message, code="past")
        if errors:
            raise ValidationError(errors)
        contract.state = State.ACTIVE
        contract.save(update_fields=["state", "updated_at"])
        return contract


def contract_close(*, contract: Contract, user: Any = None) -> Contract:
    """End a contract before (or after) its period: no more call-offs; the orders made stand."""
    with transaction.atomic():
        contract = _lock(contract)
        _require_state(contract, CLOSABLE_STATES, _("closed"))
        contract.state = State.CLOSED
        contract.save(update_fields=["state", "updated_at"])
        return contract


def contracts_expire(*, on: datetime.date | None = None) -> int:
    """Mark the active contracts whose period ended before `on` (today) expired; how many were."""
    on = on or timezone.localdate()
    return Contract.objects.filter(state=State.ACTIVE, valid_to__lt=on).update(
        state=State.EXPIRED, updated_at=timezone.now()
    )


# --- Call-offs ------------------------------------------------------------------------------------------------------


def _locked_lines(contract: Contract) -> dict[int, ContractLine]:
    """The contract's lines by item, locked in one order (by id) so that call-offs and give-backs wait on
    each other rather than deadlock."""
    lines = ContractLine.objects.select_for_update().select_related("item").filter(contract=contract).order_by("pk")
    return {line.item_id: line for line in lines}


def _validity_error(contract: Contract, on: datetime.date) -> ValidationError | None:
    if contract.state == State.ACTIVE and contract.valid_from <= on <= contract.valid_to:
        return None
    if contract.state == State.ACTIVE:
        message = _("%(contract)s holds from %(from)s to %(to)s: not on %(date)s.") % {
            "contract": contract.number,
            "from": contract.valid_from,
            "to": contract.valid_to,
            "date": on,
        }
        return ValidationError(message, code="outside_validity")
    message = _("%(contract)s is %(state)s: nothing can be called off.") % {
        "contract": contract.number,
        "state": contract.get_state_display().lower(),
    }
    return ValidationError(message, code="invalid_state")


def contract_call_off(
    *,
    contract: Contract,
    lines: Iterable[Mapping[str, Any]],
    warehouse: Warehouse,
    user: Any = None,
) -> CallOff:
    """Call off part of an active contract today (within its validity): a draft ERP purchase order at the
    contract's prices and currency. Lines are {item, quantity, expected_date? (default: the supplier's lead
    time from today)}; each quantity must be positive and not above what remains of the item's line. All
    or nothing: any refusal (here, or ERP's: a blocked supplier) leaves contract and orders as they were."""
    entries = list(lines)
    today = timezone.localdate()
    with transaction.atomic():
        contract = _lock(contract)
        problem = _validity_error(contract, today)
        if problem is not None:
            raise problem
        contract_lines = _locked_lines(contract)
        errors: dict[str, Any] = {}
        if not entries:
            errors["lines"] = ValidationError(_("Call off at least one item."), code="required")
        taken: list[tuple[ContractLine, Decimal, datetime.date | None]] = []
        seen: set[int] = set()
        for index, fields in enumerate(entries):
            unknown = set(fields) - set(CALL_OFF_FIELDS)
            if unknown:
                raise TypeError(f"Unknown call-off line fields: {sorted(unknown)}")
            item: Item = fields["item"]
            quantity = Decimal(fields["quantity"])
            line = contract_lines.get(item.pk)
            if line is None:
                message = _("%(item)s is not on %(contract)s.") % {"item": item.code, "contract": contract.number}
                errors[f"lines.{index}.item"] = ValidationError(message, code="not_on_contract")
            elif item.pk in seen:
                message = _("%(item)s is called off twice.") % {"item": item.code}
                errors[f"lines.{index}.item"] = ValidationError(message, code="duplicate_line")
            elif quantity <= 0:
                errors[f"lines.{index}.quantity"] = ValidationError(
                    _("Call off a positive quantity."), code="not_positive"
                )
            elif quantity > line.remaining_qty:
                message = _("%(quantity)s of %(item)s asked, %(remaining)s remain of the %(agreed)s agreed.") % {
                    "quantity": qty(quantity),
                    "item": item.code,
                    "remaining": qty(line.remaining_qty),
                    "agreed": qty(line.quantity),
                }
                errors[f"lines.{index}.quantity"] = ValidationError(message, code="exceeds_remaining")
            else:
                taken.append((line, quantity, fields.get("expected_date")))
            seen.add(item.pk)
        if errors:
            raise ValidationError(errors)

        order = purchase_order_create(
            supplier=contract.supplier,
            warehouse=warehouse,
            currency=contract.currency,
            order_date=today,
            notes=_("Call-off of contract %(contract)s.") % {"contract": contract.number},
            buyer=user,
            lines=[
                {"item": line.item, "quantity": quantity, "unit_price": line.unit_price, "expected_date": expected}
                for line, quantity, expected in taken
            ],
        )
        call_off = CallOff(
            contract=contract,
            purchase_order=order,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        call_off.full_clean()
        call_off.save()
        order_lines = list(order.lines.order_by("position"))
        for (line, quantity, _expected), order_line in zip(taken, order_lines, strict=True):
            CallOffLine.objects.create(call_off=call_off, contract_line=line, quantity=quantity, po_line=order_line)
            line.called_off_qty += quantity
            line.save(update_fields=["called_off_qty", "updated_at"])
        return call_off


def call_off_give_back(*, purchase_order_id: int) -> CallOff | None:
    """A call-off's purchase order was cancelled: its quantities are the contract's to call off again. Once
    only (a call-off given back is marked); None when the order was no call-off."""
    with transaction.atomic():
        call_off = (
            CallOff.objects.select_for_update(of=("self",))
            .select_related("contract")
            .filter(purchase_order_id=purchase_order_id, cancelled_at__isnull=True)
            .first()
        )
        if call_off is None:
            return None
        contract = _lock(call_off.contract)
        lines = {line.pk: line for line in _locked_lines(contract).values()}
        for call_off_line in call_off.lines.all():
            line = lines[call_off_line.contract_line_id]
            line.called_off_qty = max(line.called_off_qty - call_off_line.quantity, Decimal(0))
            line.save(update_fields=["called_off_qty", "updated_at"])
        call_off.cancelled_at = timezone.now()
        call_off.save(update_fields=["cancelled_at", "updated_at"])
        return call_off
