"""Purchasing: purchase orders from draft to closed, their receipts through WMS, and supplier invoices
matched three ways (order, receipt, invoice) within the tolerances of ErpSettings.

States: draft > sent (the WMS receipt exists) > confirmed (the supplier's reference) > partially
received > received > billed > closed, or cancelled while nothing is received. Receiving is WMS's:
its `wms.goods.received` and `wms.receipt.closed` events move the order on (erp.handlers.purchasing),
inside the warehouse's transaction, so a refusal here undoes the receipt there.
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
from core.models import BlockPurpose, Currency, Item, Partner
from core.selectors.currencies import exchange_rate_on
from core.selectors.partners import partner_blocks_in_force
from core.services.events import event_publish
from core.services.numbering import next_document_number
from erp.choices import AccountRole, InvoiceKind, InvoiceState, JournalSource, PurchaseOrderState
from erp.events import PURCHASE_ORDER_CANCELLED, PURCHASE_ORDER_SENT
from erp.models import ErpSettings, Invoice, InvoiceLine, PurchaseOrder, PurchaseOrderLine, TaxRate
from erp.selectors.purchasing import (
    company_unit_cost,
    default_currency,
    purchase_order_line_for_reference,
    unpaid_invoices,
)
from erp.services.invoices import invoice_number, invoice_post
from erp.services.journal import Posting, account_for, journal_entry_post, to_cents
from wms.models import Receipt, ReceiptState, Warehouse
from wms.services.receipts import receipt_close, receipt_create

State = PurchaseOrderState
ZERO = Decimal(0)
# Goods may still arrive (and be billed) in these states; refused in draft, cancelled and closed.
RECEIVING_STATES = (State.SENT, State.CONFIRMED, State.PARTIALLY_RECEIVED, State.RECEIVED, State.BILLED)
CONFIRMABLE_STATES = (State.SENT, State.CONFIRMED, State.PARTIALLY_RECEIVED)
CANCELLABLE_STATES = (State.DRAFT, State.SENT, State.CONFIRMED)
LINE_FIELDS = ("item", "quantity", "unit_price", "tax_rate", "expected_date")


# --- Helpers -------------------------------------------------------------------------------------------------


def _lock(order: PurchaseOrder) -> PurchaseOrder:
    # of=self: the receipt is a nullable join, which PostgreSQL will not lock.
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "currency", "warehouse", "receipt")
        .get(pk=order.pk)
    )


def _require_state(order: PurchaseOrder, states: Iterable[str], doing: str) -> None:
    if order.state not in states:
        message = _("%(order)s is %(state)s: it cannot be %(doing)s.") % {
            "order": order.number,
            "state": order.get_state_display().lower(),
            "doing": doing,
        }
        raise ValidationError(message, code="invalid_state")


def _check_supplier(supplier: Partner) -> None:
    if not supplier.is_supplier:
        message = _("%(partner)s is not a supplier.") % {"partner": supplier.code}
        raise ValidationError({"supplier": ValidationError(message, code="not_a_supplier")})
    if not supplier.active:
        message = _("%(partner)s is inactive.") % {"partner": supplier.code}
        raise ValidationError({"supplier": ValidationError(message, code="inactive")})
    blocks = partner_blocks_in_force(partner=supplier, purpose=BlockPurpose.PURCHASING, on=timezone.localdate())
    if blocks:
        message = _("Purchasing from %(partner)s is blocked: %(reasons)s") % {
            "partner": supplier.code,
            "reasons": "; ".join(block.reason for block in blocks),
        }
        raise ValidationError({"supplier": ValidationError(message, code="blocked")})


def _rate(currency: Currency, on: datetime.date) -> Decimal:
    try:
        return exchange_rate_on(currency=currency, on=on)
    except ValidationError as exc:
        raise ValidationError({"currency": exc}) from None


def _line_errors(
    order: PurchaseOrder,
    *,
    item: Item,
    quantity: Decimal,
    unit_price: Decimal,
    expected_date: datetime.date | None,
) -> dict[str, ValidationError]:
    """The business rules of a line, with messages a buyer understands (the constraints' are generic)."""
    errors: dict[str, ValidationError] = {}
    if not item.active:
        errors["item"] = ValidationError(_("%(item)s is inactive.") % {"item": item.code}, code="inactive")
    if quantity <= 0:
        errors["quantity"] = ValidationError(_("Order a positive quantity."), code="not_positive")
    if unit_price < 0:
        errors["unit_price"] = ValidationError(_("A price cannot be negative."), code="negative")
    if expected_date is not None and expected_date < order.order_date:
        message = _("Expected on %(date)s, before the order date %(order_date)s.") % {
            "date": expected_date,
            "order_date": order.order_date,
        }
        errors["expected_date"] = ValidationError(message, code="before_order")
    return errors


def _save_line(line: PurchaseOrderLine) -> PurchaseOrderLine:
    errors = _line_errors(
        line.order,
        item=line.item,
        quantity=line.quantity,
        unit_price=line.unit_price,
        expected_date=line.expected_date,
    )
    if errors:
        raise ValidationError(errors)
    line.full_clean(exclude=["order"])
    line.save()
    return line


def _new_line(order: PurchaseOrder, position: int, fields: Mapping[str, Any]) -> PurchaseOrderLine:
    unknown = set(fields) - set(LINE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown purchase order line fields: {sorted(unknown)}")
    return PurchaseOrderLine(
        order=order,
        position=position,
        item=fields["item"],
        quantity=Decimal(fields["quantity"]),
        unit_price=Decimal(fields["unit_price"]),
        tax_rate=fields.get("tax_rate"),
        expected_date=fields.get("expected_date"),
    )


def _settle(order: PurchaseOrder, *, receipt_closed: bool = False) -> None:
    """Set an order's state from its lines: what came in, what was billed, whether more can come."""
    if order.state in (State.DRAFT, State.CANCELLED, State.CLOSED):
        return
    lines = list(order.lines.all())
    if not receipt_closed and order.receipt_id is not None:
        receipt_closed = Receipt.objects.filter(
            pk=order.receipt_id, state__in=(ReceiptState.DONE, ReceiptState.CANCELLED)
        ).exists()
    any_received = any(line.received_qty > 0 for line in lines)
    # A receipt closed short ends the receiving: the order is as received as it will be.
    all_received = all(line.received_qty >= line.quantity for line in lines) or (receipt_closed and any_received)
    if all_received:
        all_billed = all(line.billed_qty >= line.received_qty for line in lines)
        order.state = State.BILLED if all_billed else State.RECEIVED
    elif any_received:
        order.state = State.PARTIALLY_RECEIVED
    order.save(update_fields=["state", "updated_at"])


# --- Drafts --------------------------------------------------------------------------------------------------


def purchase_order_create(
    *,
    supplier: Partner,
    warehouse: Warehouse,
    lines: Iterable[Mapping[str, Any]] = (),
    order_date: datetime.date | None = None,
    expected_date: datetime.date | None = None,
    currency: Currency | None = None,
    notes: str = "",
    buyer: Any = None,
    number: str | None = None,
) -> PurchaseOrder:
    """A draft order. Lines are {item, quantity, unit_price (order currency), tax_rate?, expected_date?}.
    `number` keeps an imported order's own number; new orders are numbered PO-<year>-<n>.

    The currency defaults to the supplier's (else the company's) and is converted at the rate of the
    order date; the expected date defaults to the order date plus the supplier's lead time.
    """
    _check_supplier(supplier)
    order_date = order_date or timezone.localdate()
    currency = currency or default_currency(supplier=supplier)
    with transaction.atomic():
        order = PurchaseOrder(
            supplier=supplier,
            warehouse=warehouse,
            currency=currency,
            exchange_rate=_rate(currency, order_date),
            order_date=order_date,
            expected_date=expected_date or order_date + datetime.timedelta(days=supplier.lead_time_days),
            notes=notes,
            buyer=buyer if getattr(buyer, "is_authenticated", False) else None,
        )
        if order.expected_date < order_date:
            message = _("Expected before it is ordered: %(date)s is before %(order_date)s.") % {
                "date": order.expected_date,
                "order_date": order_date,
            }
            raise ValidationError({"expected_date": ValidationError(message, code="before_order")})
        order.number = number or next_document_number(doc_type="PO", on=order_date)
        order.full_clean()
        order.save()
        errors: dict[str, Any] = {}
        for index, fields in enumerate(lines):
            try:
                _save_line(_new_line(order, index + 1, fields))
            except ValidationError as exc:
                # Named after the line (lines.0.quantity), as the API reports nested input.
                for name, field_errors in exc.error_dict.items():
                    errors[f"lines.{index}.{name}"] = field_errors
        if errors:
            raise ValidationError(errors)
        return order


def purchase_order_update(
    *,
    order: PurchaseOrder,
    supplier: Partner,
    warehouse: Warehouse,
    order_date: datetime.date,
    expected_date: datetime.date | None = None,
    currency: Currency | None = None,
    notes: str = "",
) -> PurchaseOrder:
    """Change a draft's header, with the defaults of a new order for what is left empty; the rate
    follows its currency and order date."""
    _check_supplier(supplier)
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (State.DRAFT,), _("changed"))
        currency = currency or default_currency(supplier=supplier)
        expected_date = expected_date or order_date + datetime.timedelta(days=supplier.lead_time_days)
        order.supplier, order.warehouse, order.currency = supplier, warehouse, currency
        order.order_date, order.expected_date, order.notes = order_date, expected_date, notes
        order.exchange_rate = _rate(currency, order_date)
        if expected_date < order_date:
            message = _("Expected before it is ordered: %(date)s is before %(order_date)s.") % {
                "date": expected_date,
                "order_date": order_date,
            }
            raise ValidationError({"expected_date": ValidationError(message, code="before_order")})
        order.full_clean()
        order.save()
        return order


def purchase_order_line_add(
    *,
    order: PurchaseOrder,
    item: Item,
    quantity: Decimal,
    unit_price: Decimal,
    tax_rate: TaxRate | None = None,
    expected_date: datetime.date | None = None,
) -> PurchaseOrderLine:
    """A line at the end of a draft."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (State.DRAFT,), _("changed"))
        last = order.lines.order_by("-position").values_list("position", flat=True).first() or 0
        fields = {
            "item": item,
            "quantity": quantity,
            "unit_price": unit_price,
            "tax_rate": tax_rate,
            "expected_date": expected_date,
        }
        line = _save_line(_new_line(order, last + 1, fields))
        order.touch()  # the order's ETag covers its lines
        return line


def purchase_order_line_update(
    *,
    line: PurchaseOrderLine,
    item: Item,
    quantity: Decimal,
    unit_price: Decimal,
    tax_rate: TaxRate | None = None,
    expected_date: datetime.date | None = None,
) -> PurchaseOrderLine:
    with transaction.atomic():
        order = _lock(line.order)
        _require_state(order, (State.DRAFT,), _("changed"))
        line = PurchaseOrderLine.objects.get(pk=line.pk)
        line.order = order
        line.item, line.quantity, line.unit_price = item, Decimal(quantity), Decimal(unit_price)
        line.tax_rate, line.expected_date = tax_rate, expected_date
        line = _save_line(line)
        order.touch()
        return line


def purchase_order_line_remove(*, line: PurchaseOrderLine) -> None:
    with transaction.atomic():
        order = _lock(line.order)
        _require_state(order, (State.DRAFT,), _("changed"))
        PurchaseOrderLine.objects.filter(pk=line.pk, order=order).delete()
        order.touch()


# --- To the supplier and back ----------------------------------------------------------------------------------


def purchase_order_send(*, order: PurchaseOrder, user: Any = None) -> PurchaseOrder:
    """Send a draft: WMS expects its goods on a receipt with one line per order line, at the order price
    in the company currency (what the receipt's stock moves, and so inventory and GRNI, are valued at)."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (State.DRAFT,), _("sent"))
        _check_supplier(order.supplier)
        lines = list(order.lines.select_related("item").order_by("position"))
        if not lines:
            message = _("%(order)s has no lines to send.") % {"order": order.number}
            raise ValidationError({"lines": ValidationError(message, code="required")})
        # The receipt has one expected date: the first one due, so the dock sees it in time.
        expected_on = min(line.expected_date or order.expected_date for line in lines)
        order.receipt = receipt_create(
            warehouse=order.warehouse,
            supplier=order.supplier,
            reference=order.number,
            expected_on=expected_on,
            lines=[
                {
                    "item": line.item,
                    "expected_qty": line.quantity,
                    "unit_cost": company_unit_cost(unit_price=line.unit_price, exchange_rate=order.exchange_rate),
                    "order_line_ref": line.reference,
                }
                for line in lines
            ],
        )
        order.state = State.SENT
        order.sent_at = timezone.now()
        order.save(update_fields=["receipt", "state", "sent_at", "updated_at"])
        event_publish(
            name=PURCHASE_ORDER_SENT,
            payload={
                "number": order.number,
                "supplier": order.supplier.code,
                "currency": order.currency.code,
                "receipt": order.receipt.number,
                "lines": [
                    {
                        "position": line.position,
                        "reference": line.reference,
                        "item": line.item.code,
                        "quantity": str(line.quantity),
                        "unit_price": str(line.unit_price),
                        "expected_date": (line.expected_date or order.expected_date).isoformat(),
                    }
                    for line in lines
                ],
            },
            aggregate=order,
            actor=user,
        )
        return order


def purchase_order_confirm(
    *,
    order: PurchaseOrder,
    supplier_reference: str,
    expected_date: datetime.date | None = None,
    line_dates: Mapping[int, datetime.date] | None = None,
    user: Any = None,
) -> PurchaseOrder:
    """Record the supplier's confirmation: its reference, and the dates it promises (the order's, or
    per line by position). A later confirmation may move the dates again until the goods are in."""
    supplier_reference = (supplier_reference or "").strip()
    line_dates = dict(line_dates or {})
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, CONFIRMABLE_STATES, _("confirmed"))
        errors: dict[str, ValidationError] = {}
        if not supplier_reference:
            message = _("Enter the supplier's confirmation reference.")
            errors["supplier_reference"] = ValidationError(message, code="required")
        if expected_date is not None and expected_date < order.order_date:
            message = _("Expected on %(date)s, before the order date %(order_date)s.") % {
                "date": expected_date,
                "order_date": order.order_date,
            }
            errors["expected_date"] = ValidationError(message, code="before_order")
        lines = {line.position: line for line in order.lines.all()}
        line_problems = []
        for position, date in sorted(line_dates.items()):
            if position not in lines:
                message = _("%(order)s has no line %(position)s.") % {"order": order.number, "position": position}
                line_problems.append(ValidationError(message, code="does_not_exist"))
            elif date < order.order_date:
                message = _("Line %(position)s expected on %(date)s, before the order date %(order_date)s.") % {
                    "position": position,
                    "date": date,
                    "order_date": order.order_date,
                }
                line_problems.append(ValidationError(message, code="before_order"))
        if line_problems:
            errors["lines"] = ValidationError(line_problems)
        if errors:
            raise ValidationError(errors)
        for position, date in line_dates.items():
            line = lines[position]
            line.expected_date = date
            line.save(update_fields=["expected_date", "updated_at"])
        order.supplier_reference = supplier_reference
        if expected_date is not None:
            order.expected_date = expected_date
        if order.state == State.SENT:
            order.state = State.CONFIRMED
        order.full_clean()
        order.save(update_fields=["supplier_reference", "expected_date", "state", "updated_at"])
        return order


def purchase_order_cancel(*, order: PurchaseOrder, user: Any = None) -> PurchaseOrder:
    """Cancel an order nothing was received on; its WMS receipt is closed with nothing received, which
    WMS records as cancelled."""
    with transaction.atomic():
        receipt_id = PurchaseOrder.objects.filter(pk=order.pk).values_list("receipt_id", flat=True).get()
        if receipt_id is not None:
            # Receiving locks the receipt before ERP hears of it: lock it first here too, so the two
            # never wait on each other in opposite orders.
            Receipt.objects.select_for_update().filter(pk=receipt_id).first()
        order = _lock(order)
        _require_state(order, CANCELLABLE_STATES, _("cancelled"))
        received = order.lines.filter(received_qty__gt=0).exists() or (
            receipt_id is not None and order.receipt.lines.filter(received_qty__gt=0).exists()
        )
        if received:
            message = _("Goods were received on %(order)s: it can no longer be cancelled.") % {"order": order.number}
            raise ValidationError(message, code="received")
        order.state = State.CANCELLED
        order.save(update_fields=["state", "updated_at"])
        receipt = order.receipt
        if receipt is not None and receipt.state in (ReceiptState.EXPECTED, ReceiptState.RECEIVING):
            receipt_close(receipt=receipt, user=user)
        event_publish(
            name=PURCHASE_ORDER_CANCELLED,
            payload={
                "number": order.number,
                "supplier": order.supplier.code,
                "receipt": receipt.number if receipt else None,
            },
            aggregate=order,
            actor=user,
        )
        return order


def purchase_order_close(*, order: PurchaseOrder, user: Any = None) -> PurchaseOrder:
    """Close a billed order once its supplier invoices are paid: nothing more is expected of it."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (State.BILLED,), _("closed"))
        unpaid = list(unpaid_invoices(order=order))
        if unpaid:
            message = _("%(order)s still has unpaid invoices: %(invoices)s.") % {
                "order": order.number,
                "invoices": ", ".join(
                    _("%(number)s (%(open)s %(currency)s open)")
                    % {"number": invoice.number, "open": invoice.open_amount, "currency": order.currency.code}
                    for invoice in unpaid
                ),
            }
            raise ValidationError(message, code="unpaid_invoices")
        order.state = State.CLOSED
        order.save(update_fields=["state", "updated_at"])
        return order


# --- What WMS reports -------------------------------------------------------------------------------------------


def purchase_order_line_receive(*, reference: str, quantity: Decimal) -> PurchaseOrderLine | None:
    """Add goods received in WMS to the order line its receipt line names; None when it names none.

    Called inside the warehouse's transaction: a refusal (more than the over-receipt tolerance allows,
    or an order that takes no goods) undoes the receipt, so stock and order never disagree.
    """
    quantity = Decimal(quantity)
    found = purchase_order_line_for_reference(reference).values_list("pk", "order_id").first()
    if found is None:
        return None
    line_id, order_id = found
    with transaction.atomic():
        # Order first, then line: the order's state is computed from all of its lines.
        order = _lock(PurchaseOrder(pk=order_id))
        line = PurchaseOrderLine.objects.select_for_update().select_related("item").get(pk=line_id)
        if order.state not in RECEIVING_STATES:
            message = _("%(order)s is %(state)s: no goods can be received against it.") % {
                "order": order.number,
                "state": order.get_state_display().lower(),
            }
            raise ValidationError({"quantity": ValidationError(message, code="order_not_open")})
        tolerance = ErpSettings.load().over_receipt_tolerance_pct
        limit = line.quantity * (1 + tolerance / 100)
        if line.received_qty + quantity > limit:
            message = _(
                "Over-receipt on %(line)s (%(item)s): %(ordered)s ordered, %(received)s already received, "
                "%(quantity)s in this receipt; at most %(limit)s may be received (tolerance %(tolerance)s%%)."
            ) % {
                "line": line.reference,
                "item": line.item.code,
                "ordered": qty(line.quantity),
                "received": qty(line.received_qty),
                "quantity": qty(quantity),
                "limit": qty(limit),
                "tolerance": qty(tolerance),
            }
            raise ValidationError({"quantity": ValidationError(message, code="over_receipt")})
        line.received_qty += quantity
        line.save(update_fields=["received_qty", "updated_at"])
        _settle(order)
        return line


def purchase_order_receipt_closed(*, receipt: str) -> PurchaseOrder | None:
    """The warehouse closed an order's receipt: what was not received will not come against this order.

    With something received the order is received (billed, if that is billed too) and its short lines
    stay short; with nothing received at all it is cancelled. None when the receipt is no order's.
    """
    order_id = PurchaseOrder.objects.filter(receipt__number=receipt).values_list("pk", flat=True).first()
    if order_id is None:
        return None
    with transaction.atomic():
        order = _lock(PurchaseOrder(pk=order_id))
        if order.state in (State.DRAFT, State.CANCELLED, State.CLOSED):
            return order  # cancelling the order closed the receipt: nothing more to do
        if not order.lines.filter(received_qty__gt=0).exists():
            order.state = State.CANCELLED
            order.save(update_fields=["state", "updated_at"])
            return order
        _settle(order, receipt_closed=True)
        return order


# --- Supplier invoices --------------------------------------------------------------------------------------------


def _match_errors(
    line: PurchaseOrderLine, quantity: Decimal, unit_price: Decimal, settings: ErpSettings
) -> list[ValidationError]:
    """Why a supplier's invoice line does not match the order and what was received, if it does not."""
    what = {"line": line.reference, "item": line.item.code}
    problems = []
    if quantity <= 0:
        message = _("%(line)s (%(item)s): bill a positive quantity.") % what
        problems.append(ValidationError(message, code="not_positive"))
    elif line.received_qty <= 0:
        message = _("%(line)s (%(item)s): nothing has been received yet, so nothing can be billed.") % what
        problems.append(ValidationError(message, code="not_received"))
    else:
        tolerance = settings.invoice_quantity_tolerance_pct
        limit = line.received_qty * (1 + tolerance / 100)
        if line.billed_qty + quantity > limit:
            message = _(
                "%(line)s (%(item)s): %(quantity)s billed now and %(billed)s before is more than the "
                "%(received)s received (at most %(limit)s with the %(tolerance)s%% tolerance)."
            ) % {
                **what,
                "quantity": qty(quantity),
                "billed": qty(line.billed_qty),
                "received": qty(line.received_qty),
                "limit": qty(limit),
                "tolerance": qty(tolerance),
            }
            problems.append(ValidationError(message, code="over_billed"))
    if unit_price < 0:
        message = _("%(line)s (%(item)s): a price cannot be negative.") % what
        problems.append(ValidationError(message, code="negative"))
    else:
        tolerance = settings.invoice_price_tolerance_pct
        allowed = line.unit_price * tolerance / 100
        if abs(unit_price - line.unit_price) > allowed:
            message = _(
                "%(line)s (%(item)s): invoiced at %(price)s, ordered at %(ordered)s; the price may differ by "
                "at most %(allowed)s (%(tolerance)s%%)."
            ) % {
                **what,
                "price": qty(unit_price),
                "ordered": qty(line.unit_price),
                "allowed": qty(allowed),
                "tolerance": qty(tolerance),
            }
            problems.append(ValidationError(message, code="price_mismatch"))
    return problems


def supplier_invoice_create(
    *,
    order: PurchaseOrder,
    supplier_reference: str,
    invoice_date: datetime.date,
    lines: Iterable[tuple[PurchaseOrderLine, Decimal, Decimal]],
    user: Any = None,
) -> Invoice:
    """Post the supplier's invoice for an order after matching it three ways: for each (order line,
    quantity, unit price), what was billed plus this quantity must not exceed what was received (plus
    the quantity tolerance) and the price must be the order's (within the price tolerance). Every line
    is checked and every mismatch reported; nothing is posted unless all match.

    The invoice lines book to GRNI at the invoice price; a second entry moves the price difference
    from GRNI to purchase price variance, so GRNI clears exactly what the receipts booked (the order
    price converted at the order's rate).
    """
    supplier_reference = (supplier_reference or "").strip()
    entries = [(line, Decimal(quantity), Decimal(unit_price)) for line, quantity, unit_price in lines]
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, RECEIVING_STATES, _("billed"))
        errors: dict[str, Any] = {}
        if not supplier_reference:
            message = _("Enter the supplier's invoice number.")
            errors["supplier_reference"] = ValidationError(message, code="required")
        elif Invoice.objects.filter(
            kind=InvoiceKind.SUPPLIER, partner=order.supplier, supplier_reference__iexact=supplier_reference
        ).exists():
            message = _("Invoice %(reference)s of %(supplier)s is already entered.") % {
                "reference": supplier_reference,
                "supplier": order.supplier.code,
            }
            errors["supplier_reference"] = ValidationError(message, code="duplicate")
        # Locked in one order (by id) so that two invoices for one order wait rather than deadlock.
        locked = {
            line.pk: line
            for line in PurchaseOrderLine.objects.select_for_update(of=("self",))
            .select_related("item", "tax_rate")
            .filter(order=order, pk__in=[line.pk for line, _q, _p in entries])
            .order_by("pk")
        }
        settings = ErpSettings.load()
        problems: list[ValidationError] = []
        seen: set[int] = set()
        matched = []
        if not entries:
            problems.append(ValidationError(_("An invoice needs at least one line."), code="required"))
        for given, quantity, unit_price in entries:
            line = locked.get(given.pk)
            if line is None:
                message = _("%(line)s is not a line of %(order)s.") % {"line": given, "order": order.number}
                problems.append(ValidationError(message, code="wrong_order"))
                continue
            if line.pk in seen:
                message = _("%(line)s is on the invoice twice.") % {"line": line.reference}
                problems.append(ValidationError(message, code="duplicate_line"))
                continue
            seen.add(line.pk)
            problems += _match_errors(line, quantity, unit_price, settings)
            matched.append((line, quantity, unit_price))
        if problems:
            errors["lines"] = ValidationError(problems)
        if errors:
            raise ValidationError(errors)

        supplier = order.supplier
        invoice = Invoice(
            number=invoice_number(InvoiceKind.SUPPLIER, invoice_date),
            kind=InvoiceKind.SUPPLIER,
            partner=supplier,
            currency=order.currency,
            exchange_rate=order.exchange_rate,
            invoice_date=invoice_date,
            due_date=invoice_date + datetime.timedelta(days=supplier.payment_terms_days),
            supplier_reference=supplier_reference,
            state=InvoiceState.DRAFT,
            purchase_order=order,
        )
        invoice.full_clean(exclude=["journal_entry"])
        invoice.save()
        for position, (line, quantity, unit_price) in enumerate(matched, start=1):
            invoice_line = InvoiceLine(
                invoice=invoice,
                position=position,
                item=line.item,
                description=f"{line.reference} {line.item.name}",
                quantity=quantity,
                unit_price=unit_price,
                tax_rate=line.tax_rate,
                account=account_for(AccountRole.GOODS_RECEIVED_NOT_INVOICED, item=line.item),
                purchase_order_line=line,
            )
            invoice_line.full_clean(exclude=["invoice"])
            invoice_line.save()
        invoice = invoice_post(invoice=invoice, user=user)
        _post_price_variance(invoice, order, user)
        for line, quantity, _price in matched:
            line.billed_qty += quantity
            line.save(update_fields=["billed_qty", "updated_at"])
        _settle(order)
        return invoice


def _post_price_variance(invoice: Invoice, order: PurchaseOrder, user: Any) -> None:
    """Move the difference between the invoice and the order price from GRNI to purchase price variance.

    The invoice debited GRNI with each line's net converted at the order's rate (as invoice_post rounds
    it); the receipts credited it with the quantity at the order price in the company currency (as
    the receipt line's unit cost carried it). What is left between the two is price variance.
    """
    postings: list[Posting] = []
    for invoice_line in invoice.lines.select_related("purchase_order_line", "item", "account"):
        line = invoice_line.purchase_order_line
        billed = to_cents(invoice_line.net_amount * invoice.exchange_rate)
        received = to_cents(
            invoice_line.quantity * company_unit_cost(unit_price=line.unit_price, exchange_rate=order.exchange_rate)
        )
        variance = billed - received
        if not variance:
            continue
        description = _("%(line)s: invoiced %(price)s, ordered %(ordered)s") % {
            "line": line.reference,
            "price": qty(invoice_line.unit_price),
            "ordered": qty(line.unit_price),
        }
        item = invoice_line.item
        postings += [
            Posting(
                account_for(AccountRole.PURCHASE_PRICE_VARIANCE, item=item), variance, description, order.supplier, item
            ),
            Posting(invoice_line.account, -variance, description, order.supplier, item),
        ]
    if postings:
        memo = _("Purchase price variance %(invoice)s (%(order)s)") % {"invoice": invoice.number, "order": order.number}
        journal_entry_post(
            date=invoice.invoice_date,
            memo=memo,
            source=JournalSource.SUPPLIER_INVOICE,
            reference=invoice.number,
            postings=postings,
            user=user,
        )
