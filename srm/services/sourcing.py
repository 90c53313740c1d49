"""Sourcing: requests for quotation, the suppliers' quotes and the award that ends in ERP purchase orders.

An RFQ is written as a draft (its lines and the suppliers invited), sent (suppliers may quote until its
respond_by day, through the portal or by a buyer typing their quote in), closed (no more quotes), and
awarded: per line, the quote line chosen becomes a line of a draft ERP purchase order, one order per
supplier, at the quoted price and dated by the quoted lead time. The award is one transaction: when ERP
refuses one of the orders (a blocked supplier, a missing exchange rate), nothing is written.
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_quantity as qty
from core.models import BlockPurpose, Currency, Item, Partner
from core.selectors.currencies import company_currency
from core.selectors.partners import partner_blocks_in_force
from core.services.numbering import next_document_number
from erp.models import PurchaseOrder
from erp.services.purchasing import purchase_order_create
from srm.models import (
    QuoteState,
    Rfq,
    RfqInvitation,
    RfqLine,
    RfqState,
    SupplierItem,
    SupplierPrice,
    SupplierQuote,
    SupplierQuoteLine,
)
from srm.selectors.sourcing import award_quantity
from srm.services.suppliers import supplier_item_set, supplier_price_set, supplier_price_update
from wms.models import Warehouse

State = RfqState
# Suppliers answer while an RFQ is out; the buyer may award it then or once it is closed.
AWARDABLE_STATES = (State.SENT, State.CLOSED)
CANCELLABLE_STATES = (State.DRAFT, State.SENT, State.CLOSED)
INVITABLE_STATES = (State.DRAFT, State.SENT)
QUOTE_LINE_FIELDS = ("rfq_line", "unit_price", "lead_time_days", "min_order_qty", "quantity")


# --- Helpers ---------------------------------------------------------------------------------------------------


def _lock(rfq: Rfq) -> Rfq:
    return Rfq.objects.select_for_update(of=("self",)).select_related("currency").get(pk=rfq.pk)


def _require_state(rfq: Rfq, states: Iterable[str], doing: str) -> None:
    if rfq.state not in states:
        message = _("%(rfq)s is %(state)s: it cannot be %(doing)s.") % {
            "rfq": rfq.number,
            "state": rfq.get_state_display().lower(),
            "doing": doing,
        }
        raise ValidationError(message, code="invalid_state")


def _respond_by_errors(respond_by: datetime.date | None, today: datetime.date) -> dict[str, ValidationError]:
    if respond_by is None:
        return {"respond_by": ValidationError(_("Say until when suppliers may quote."), code="required")}
    if respond_by < today:
        message = _("Answers by %(date)s: that day is past.") % {"date": respond_by}
        return {"respond_by": ValidationError(message, code="past")}
    return {}


def _supplier_problem(supplier: Partner, on: datetime.date) -> ValidationError | None:
    """Why this partner may not be asked to quote: not a supplier, inactive or blocked for purchasing."""
    if not supplier.is_supplier:
        return ValidationError(_("%(partner)s is not a supplier.") % {"partner": supplier.code}, code="not_a_supplier")
    if not supplier.active:
        return ValidationError(_("%(partner)s is inactive.") % {"partner": supplier.code}, code="inactive")
    blocks = partner_blocks_in_force(partner=supplier, purpose=BlockPurpose.PURCHASING, on=on)
    if blocks:
        message = _("Purchasing from %(partner)s is blocked: %(reasons)s") % {
            "partner": supplier.code,
            "reasons": "; ".join(block.reason for block in blocks),
        }
        return ValidationError(message, code="blocked")
    return None


def _line_errors(item: Item, quantity: Decimal, required_date: datetime.date | None) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    if not item.active:
        errors["item"] = ValidationError(_("%(item)s is inactive.") % {"item": item.code}, code="inactive")
    if quantity <= 0:
        errors["quantity"] = ValidationError(_("Ask for a positive quantity."), code="not_positive")
    if required_date is not None and required_date < timezone.localdate():
        message = _("Needed on %(date)s: that day is past.") % {"date": required_date}
        errors["required_date"] = ValidationError(message, code="past")
    return errors


def _save_line(rfq: Rfq, position: int, fields: Mapping[str, Any]) -> RfqLine:
    unknown = set(fields) - {"item", "quantity", "required_date"}
    if unknown:
        raise TypeError(f"Unknown RFQ line fields: {sorted(unknown)}")
    line = RfqLine(
        rfq=rfq,
        position=position,
        item=fields["item"],
        quantity=Decimal(fields["quantity"]),
        required_date=fields.get("required_date"),
    )
    errors = _line_errors(line.item, line.quantity, line.required_date)
    if errors:
        raise ValidationError(errors)
    line.full_clean(exclude=["rfq"])
    line.save()
    return line


def _nested(errors: dict[str, Any], index: int, exc: ValidationError, prefix: str = "lines") -> None:
    """A line's errors named after the line (lines.0.quantity), as the API reports nested input."""
    if hasattr(exc, "error_dict"):
        for name, field_errors in exc.error_dict.items():
            errors[f"{prefix}.{index}.{name}"] = field_errors
    else:
        errors[f"{prefix}.{index}"] = exc.error_list


# --- The RFQ: draft, lines, suppliers ----------------------------------------------------------------------------


def rfq_create(
    *,
    title: str,
    respond_by: datetime.date,
    currency: Currency | None = None,
    notes: str = "",
    buyer: Any = None,
    lines: Iterable[Mapping[str, Any]] = (),
) -> Rfq:
    """A draft RFQ. Lines are {item, quantity, required_date?}; the currency defaults to the company's."""
    title = (title or "").strip()
    errors: dict[str, Any] = _respond_by_errors(respond_by, timezone.localdate())
    if not title:
        errors["title"] = ValidationError(_("Give the RFQ a title."), code="required")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rfq = Rfq(
            title=title,
            respond_by=respond_by,
            currency=currency or company_currency(),
            notes=notes,
            buyer=buyer if getattr(buyer, "is_authenticated", False) else None,
        )
        rfq.number = next_document_number(doc_type="RFQ")
        rfq.full_clean()
        rfq.save()
        for index, fields in enumerate(lines):
            try:
                _save_line(rfq, index + 1, fields)
            except ValidationError as exc:
                _nested(errors, index, exc)
        if errors:
            raise ValidationError(errors)
        return rfq


def rfq_update(
    *, rfq: Rfq, title: str, respond_by: datetime.date, currency: Currency | None = None, notes: str = ""
) -> Rfq:
    """Change a draft's header; once sent only the answer day (later, never earlier) and the notes."""
    title = (title or "").strip()
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, INVITABLE_STATES, _("changed"))
        errors: dict[str, Any] = {}
        if rfq.state == State.SENT:
            changed = {
                name
                for name, value in (("title", title), ("currency", currency))
                if value is not None and value != getattr(rfq, name)
            }
            for name in sorted(changed):
                message = _("%(rfq)s is sent: its %(field)s stays as the suppliers were told.") % {
                    "rfq": rfq.number,
                    "field": Rfq._meta.get_field(name).verbose_name,
                }
                errors[name] = ValidationError(message, code="sent")
            if respond_by is not None and respond_by < rfq.respond_by:
                message = _("%(rfq)s is sent: suppliers were told %(date)s, which may be moved later only.") % {
                    "rfq": rfq.number,
                    "date": rfq.respond_by,
                }
                errors["respond_by"] = ValidationError(message, code="sent")
        errors = {**_respond_by_errors(respond_by, timezone.localdate()), **errors}
        if not title:
            errors["title"] = ValidationError(_("Give the RFQ a title."), code="required")
        if errors:
            raise ValidationError(errors)
        rfq.title, rfq.respond_by, rfq.notes = title, respond_by, notes
        rfq.currency = currency or rfq.currency
        rfq.full_clean()
        rfq.save()
        return rfq


def rfq_line_add(*, rfq: Rfq, item: Item, quantity: Decimal, required_date: datetime.date | None = None) -> RfqLine:
    """A line at the end of a draft."""
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, (State.DRAFT,), _("changed"))
        last = rfq.lines.order_by("-position").values_list("position", flat=True).first() or 0
        return _save_line(rfq, last + 1, {"item": item, "quantity": quantity, "required_date": required_date})


def rfq_line_remove(*, line: RfqLine) -> None:
    with transaction.atomic():
        rfq = _lock(line.rfq)
        _require_state(rfq, (State.DRAFT,), _("changed"))
        RfqLine.objects.filter(pk=line.pk, rfq=rfq).delete()


def rfq_invite(*, rfq: Rfq, suppliers: Iterable[Partner], user: Any = None) -> list[RfqInvitation]:
    """Ask suppliers to quote: active supplier partners not blocked for purchasing. On a sent RFQ the
    invitation goes out at once; a supplier invited already is left as it is."""
    suppliers = list(suppliers)
    today = timezone.localdate()
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, INVITABLE_STATES, _("changed"))
        if not suppliers:
            raise ValidationError({"suppliers": ValidationError(_("Choose at least one supplier."), code="required")})
        problems = [problem for supplier in suppliers if (problem := _supplier_problem(supplier, today))]
        if problems:
            raise ValidationError({"suppliers": problems})
        invited = set(rfq.invitations.values_list("supplier_id", flat=True))
        sent_at = timezone.now() if rfq.state == State.SENT else None
        made = []
        for supplier in suppliers:
            if supplier.pk in invited:
                continue
            invited.add(supplier.pk)
            invitation = RfqInvitation(rfq=rfq, supplier=supplier, sent_at=sent_at)
            invitation.full_clean()
            invitation.save()
            made.append(invitation)
        return made


def rfq_invitation_remove(*, invitation: RfqInvitation) -> None:
    """Take a supplier off a draft's list (once sent, it has been asked)."""
    with transaction.atomic():
        rfq = _lock(invitation.rfq)
        _require_state(rfq, (State.DRAFT,), _("changed"))
        RfqInvitation.objects.filter(pk=invitation.pk, rfq=rfq).delete()


# --- Out to the suppliers and back -------------------------------------------------------------------------------


def rfq_send(*, rfq: Rfq, user: Any = None) -> Rfq:
    """Send a draft to its suppliers: it needs lines, suppliers, and an answer day not past."""
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, (State.DRAFT,), _("sent"))
        errors: dict[str, Any] = _respond_by_errors(rfq.respond_by, timezone.localdate())
        if not rfq.lines.exists():
            message = _("%(rfq)s has no lines to ask for.") % {"rfq": rfq.number}
            errors["lines"] = ValidationError(message, code="required")
        if not rfq.invitations.exists():
            message = _("%(rfq)s has no supplier to ask.") % {"rfq": rfq.number}
            errors["suppliers"] = ValidationError(message, code="required")
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        rfq.invitations.update(sent_at=now)
        rfq.state = State.SENT
        rfq.issued_on = timezone.localdate()
        rfq.save(update_fields=["state", "issued_on", "updated_at"])
        return rfq


def rfq_close(*, rfq: Rfq, user: Any = None) -> Rfq:
    """Stop taking quotes (before the answer day if all are in): what is in is what is compared."""
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, (State.SENT,), _("closed"))
        rfq.state = State.CLOSED
        rfq.save(update_fields=["state", "updated_at"])
        return rfq


def rfq_cancel(*, rfq: Rfq, user: Any = None) -> Rfq:
    """Drop an RFQ that is not awarded; its quotes stay on record, as lost."""
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, CANCELLABLE_STATES, _("cancelled"))
        rfq.quotes.filter(state=QuoteState.SUBMITTED).update(state=QuoteState.LOST, updated_at=timezone.now())
        rfq.state = State.CANCELLED
        rfq.save(update_fields=["state", "updated_at"])
        return rfq


def _open_invitation(rfq: Rfq, supplier: Partner, doing: str) -> RfqInvitation:
    """The supplier's invitation to an RFQ that takes answers today, or the refusal saying why not."""
    _require_state(rfq, (State.SENT,), doing)
    invitation = RfqInvitation.objects.filter(rfq=rfq, supplier=supplier).first()
    if invitation is None:
        message = _("%(supplier)s is not invited to %(rfq)s.") % {"supplier": supplier.code, "rfq": rfq.number}
        raise ValidationError({"supplier": ValidationError(message, code="not_invited")})
    if timezone.localdate() > rfq.respond_by:
        message = _("Answers to %(rfq)s were due by %(date)s.") % {"rfq": rfq.number, "date": rfq.respond_by}
        raise ValidationError(message, code="too_late")
    return invitation


def rfq_decline(*, rfq: Rfq, supplier: Partner, user: Any = None) -> RfqInvitation:
    """The supplier will not quote: its quote, if it had sent one, is withdrawn."""
    with transaction.atomic():
        rfq = _lock(rfq)
        invitation = _open_invitation(rfq, supplier, _("declined"))
        invitation.declined = True
        invitation.save(update_fields=["declined", "updated_at"])
        SupplierQuote.objects.filter(invitation=invitation, state=QuoteState.SUBMITTED).update(
            state=QuoteState.WITHDRAWN, updated_at=timezone.now()
        )
        return invitation


def _quote_line(rfq: Rfq, rfq_lines: dict[int, RfqLine], fields: Mapping[str, Any]) -> SupplierQuoteLine:
    unknown = set(fields) - set(QUOTE_LINE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown quote line fields: {sorted(unknown)}")
    given: RfqLine = fields["rfq_line"]
    rfq_line = rfq_lines.get(given.pk)
    if rfq_line is None:
        message = _("%(line)s is not a line of %(rfq)s.") % {"line": given, "rfq": rfq.number}
        raise ValidationError({"rfq_line": ValidationError(message, code="wrong_rfq")})
    unit_price = Decimal(fields["unit_price"])
    min_order_qty = Decimal(fields.get("min_order_qty") or 0)
    quantity = Decimal(fields["quantity"]) if fields.get("quantity") is not None else rfq_line.quantity
    lead_time_days = fields["lead_time_days"]
    errors: dict[str, ValidationError] = {}
    if unit_price <= 0:
        errors["unit_price"] = ValidationError(_("Quote a positive price."), code="not_positive")
    if lead_time_days is None or int(lead_time_days) < 0:
        errors["lead_time_days"] = ValidationError(_("Give the lead time in days, 0 or more."), code="invalid")
    if min_order_qty < 0:
        errors["min_order_qty"] = ValidationError(_("A minimum cannot be negative."), code="negative")
    if quantity <= 0:
        errors["quantity"] = ValidationError(_("Offer a positive quantity."), code="not_positive")
    elif quantity < min_order_qty:
        message = _("%(quantity)s offered is below the minimum order of %(minimum)s.") % {
            "quantity": qty(quantity),
            "minimum": qty(min_order_qty),
        }
        errors["quantity"] = ValidationError(message, code="below_minimum")
    if errors:
        raise ValidationError(errors)
    return SupplierQuoteLine(
        rfq_line=rfq_line,
        unit_price=unit_price,
        lead_time_days=int(lead_time_days),
        min_order_qty=min_order_qty,
        quantity=quantity,
    )


def supplier_quote_submit(
    *,
    rfq: Rfq,
    supplier: Partner,
    lines: Iterable[Mapping[str, Any]],
    user: Any = None,
    reference: str = "",
    valid_until: datetime.date | None = None,
    currency: Currency | None = None,
    notes: str = "",
) -> SupplierQuote:
    """A supplier's quote: by an invited supplier, while the RFQ is out and not after its answer day. Lines
    are {rfq_line, unit_price (quote currency), lead_time_days, min_order_qty?, quantity? (default: the
    line's)}; lines not quoted are not offered. Submitting again replaces the supplier's earlier quote
    (lines and all); `user` is who typed it: a buyer, or the supplier's own login."""
    entries = list(lines)
    with transaction.atomic():
        rfq = _lock(rfq)
        invitation = _open_invitation(rfq, supplier, _("quoted"))
        errors: dict[str, Any] = {}
        if valid_until is not None and valid_until < timezone.localdate():
            message = _("Valid until %(date)s: that day is past.") % {"date": valid_until}
            errors["valid_until"] = ValidationError(message, code="past")
        if not entries:
            errors["lines"] = ValidationError(_("Quote at least one line."), code="required")
        rfq_lines = {line.pk: line for line in rfq.lines.select_related("item")}
        quote_lines: list[SupplierQuoteLine] = []
        seen: set[int] = set()
        for index, fields in enumerate(entries):
            try:
                quote_line = _quote_line(rfq, rfq_lines, fields)
            except ValidationError as exc:
                _nested(errors, index, exc)
                continue
            if quote_line.rfq_line.pk in seen:
                message = _("Line %(position)s is quoted twice.") % {"position": quote_line.rfq_line.position}
                errors[f"lines.{index}.rfq_line"] = ValidationError(message, code="duplicate_line")
                continue
            seen.add(quote_line.rfq_line.pk)
            quote_lines.append(quote_line)
        if errors:
            raise ValidationError(errors)

        quote = SupplierQuote.objects.select_for_update().filter(invitation=invitation).first()
        if quote is None:
            quote = SupplierQuote(rfq=rfq, supplier=supplier, invitation=invitation)
        else:
            quote.lines.all().delete()
        quote.reference = (reference or "").strip()
        quote.currency = currency or rfq.currency
        quote.valid_until = valid_until
        quote.notes = notes
        quote.submitted_at = timezone.now()
        quote.submitted_by = user if getattr(user, "is_authenticated", False) else None
        quote.state = QuoteState.SUBMITTED
        quote.full_clean()
        quote.save()
        for quote_line in quote_lines:
            quote_line.quote = quote
            quote_line.full_clean()
            quote_line.save()
        if invitation.declined:
            invitation.declined = False
            invitation.save(update_fields=["declined", "updated_at"])
        return quote


def supplier_quote_withdraw(*, quote: SupplierQuote, user: Any = None) -> SupplierQuote:
    """The supplier takes its quote back while the RFQ is out; it may quote again until the answer day."""
    with transaction.atomic():
        rfq = _lock(quote.rfq)
        _require_state(rfq, (State.SENT,), _("changed"))
        quote = SupplierQuote.objects.select_for_update().get(pk=quote.pk)
        if quote.state != QuoteState.SUBMITTED:
            message = _("The quote of %(supplier)s is %(state)s: it cannot be withdrawn.") % {
                "supplier": quote.supplier.code,
                "state": quote.get_state_display().lower(),
            }
            raise ValidationError(message, code="invalid_state")
        quote.state = QuoteState.WITHDRAWN
        quote.save(update_fields=["state", "updated_at"])
        return quote


# --- The award -----------------------------------------------------------------------------------------------------


def _award_errors(rfq: Rfq, chosen: list[SupplierQuoteLine], today: datetime.date) -> list[ValidationError]:
    problems: list[ValidationError] = []
    if not chosen:
        problems.append(ValidationError(_("Choose the quote to buy at least one line from."), code="required"))
    awarded_lines: set[int] = set()
    for quote_line in chosen:
        quote, rfq_line = quote_line.quote, quote_line.rfq_line
        what = {"position": rfq_line.position, "supplier": quote.supplier.code}
        if quote.rfq_id != rfq.pk:
            message = _("That quote line is not one of %(rfq)s.") % {"rfq": rfq.number}
            problems.append(ValidationError(message, code="wrong_rfq"))
        elif rfq_line.pk in awarded_lines:
            message = _("Line %(position)s is awarded twice.") % what
            problems.append(ValidationError(message, code="duplicate_line"))
        elif quote.state != QuoteState.SUBMITTED:
            message = _("Line %(position)s: the quote of %(supplier)s is %(state)s.") % {
                **what,
                "state": quote.get_state_display().lower(),
            }
            problems.append(ValidationError(message, code="quote_not_open"))
        elif quote.valid_until is not None and quote.valid_until < today:
            message = _("Line %(position)s: the quote of %(supplier)s was valid until %(date)s.") % {
                **what,
                "date": quote.valid_until,
            }
            problems.append(ValidationError(message, code="quote_expired"))
        awarded_lines.add(rfq_line.pk)
    return problems


def rfq_award(
    *,
    rfq: Rfq,
    choices: Iterable[SupplierQuoteLine],
    warehouse: Warehouse,
    user: Any = None,
    register_prices: bool = False,
) -> list[PurchaseOrder]:
    """Award an RFQ: `choices` are the quote lines bought, at most one per RFQ line (a line not chosen is
    not bought). Each supplier chosen gets one draft purchase order, in its quote's currency, with a line
    per quote line at the quoted price, for `award_quantity`, expected the quoted lead time from today;
    the orders are to be received in `warehouse`. Quotes with a line bought are awarded, the others lost.
    `register_prices` keeps each price bought as the supplier's price of the item from that quantity on.

    All or nothing: when ERP refuses an order (the supplier is blocked or inactive, no exchange rate) the
    refusal is raised and no order, quote or RFQ is changed.
    """
    chosen_ids = [quote_line.pk for quote_line in choices]
    today = timezone.localdate()
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, AWARDABLE_STATES, _("awarded"))
        by_id = {
            quote_line.pk: quote_line
            for quote_line in SupplierQuoteLine.objects.select_related(
                "quote__supplier", "quote__currency", "rfq_line__item"
            ).filter(pk__in=chosen_ids)
        }
        chosen = [by_id[pk] for pk in chosen_ids if pk in by_id]
        problems = _award_errors(rfq, chosen, today)
        if len(chosen) != len(chosen_ids):
            problems.append(ValidationError(_("A quote line chosen does not exist."), code="does_not_exist"))
        if problems:
            raise ValidationError({"choices": problems})

        by_quote: dict[int, list[SupplierQuoteLine]] = {}
        for quote_line in sorted(chosen, key=lambda line: (line.quote.supplier.code, line.rfq_line.position)):
            by_quote.setdefault(quote_line.quote_id, []).append(quote_line)
        orders = []
        for quote_lines in by_quote.values():
            quote = quote_lines[0].quote
            expected = [today + datetime.timedelta(days=line.lead_time_days) for line in quote_lines]
            order = purchase_order_create(
                supplier=quote.supplier,
                warehouse=warehouse,
                currency=quote.currency,
                order_date=today,
                expected_date=min(expected),
                notes=_("Awarded from %(rfq)s, quote %(reference)s of %(supplier)s.")
                % {"rfq": rfq.number, "reference": quote.reference or "-", "supplier": quote.supplier.code},
                buyer=user,
                lines=[
                    {
                        "item": line.rfq_line.item,
                        "quantity": award_quantity(rfq_line=line.rfq_line, quote_line=line),
                        "unit_price": line.unit_price,
                        "expected_date": date,
                    }
                    for line, date in zip(quote_lines, expected, strict=True)
                ],
            )
            order_lines = list(order.lines.order_by("position"))
            for quote_line, order_line in zip(quote_lines, order_lines, strict=True):
                quote_line.purchase_order_line = order_line
                quote_line.save(update_fields=["purchase_order_line", "updated_at"])
            if register_prices:
                _register_prices(quote, quote_lines, today)
            orders.append(order)

        now = timezone.now()
        rfq.quotes.filter(pk__in=by_quote).update(state=QuoteState.AWARDED, updated_at=now)
        rfq.quotes.filter(state=QuoteState.SUBMITTED).update(state=QuoteState.LOST, updated_at=now)
        rfq.state = State.AWARDED
        rfq.save(update_fields=["state", "updated_at"])
        return orders


def _register_prices(quote: SupplierQuote, quote_lines: list[SupplierQuoteLine], on: datetime.date) -> None:
    """Keep the prices bought as the supplier's: from the quote's minimum order on, from today until the
    quote's end. An item the supplier had no source record for gets one (pending approval: winning a quote
    is not an approval); a price of the same break in force today is ended yesterday, superseded."""
    for line in quote_lines:
        item = line.rfq_line.item
        supplier_item = SupplierItem.objects.filter(supplier=quote.supplier, item=item).first()
        if supplier_item is None:
            supplier_item = supplier_item_set(
                supplier=quote.supplier,
                item=item,
                currency=quote.currency,
                lead_time_days=line.lead_time_days,
                min_order_qty=line.min_order_qty,
            )
        elif supplier_item.currency_id != quote.currency_id:
            message = _(
                "%(source)s is priced in %(currency)s, the quote in %(quoted)s: award without keeping the prices."
            ) % {"source": supplier_item, "currency": supplier_item.currency.code, "quoted": quote.currency.code}
            raise ValidationError({"register_prices": ValidationError(message, code="currency_mismatch")})
        superseded = SupplierPrice.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on),
            Q(valid_from__isnull=True) | Q(valid_from__lt=on),
            supplier_item=supplier_item,
            min_quantity=line.min_order_qty,
        )
        for price in superseded:
            supplier_price_update(
                price=price,
                min_quantity=price.min_quantity,
                unit_price=price.unit_price,
                valid_from=price.valid_from,
                valid_to=on - datetime.timedelta(days=1),
            )
        supplier_price_set(
            supplier_item=supplier_item,
            min_quantity=line.min_order_qty,
            unit_price=line.unit_price,
            valid_from=on,
            valid_to=quote.valid_until,
        )
