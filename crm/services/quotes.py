"""Quotations: drafts priced from the customer's price list, promised by capable-to-promise, sent, revised
into new versions, and accepted into a confirmed ERP sales order in one step, or rejected, or left to expire.

States: draft > sent > accepted | rejected | expired, and sent / rejected / expired > superseded when revised
(the new version starts as a draft with the same number).

Acceptance is all or nothing: the sales order is created with the quote's lines and confirmed (credit check,
WMS reservation) in the quote's transaction; when anything refuses, nothing of it remains (no order, no
order number used, no event) and the quote stays sent.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aps.selectors.promise import capable_to_promise
from core.formatting import format_quantity
from core.models import Contact, Currency, Item, Partner
from core.selectors.currencies import company_currency
from core.services.events import event_publish
from core.services.numbering import next_document_number
from crm.events import QUOTE_ACCEPTED
from crm.models import Opportunity, OpportunityState, Quote, QuoteLine, QuoteState
from crm.services.opportunities import opportunity_win
from erp.models import PriceList, PriceListItem, TaxRate
from erp.selectors.sales import lines_totals
from erp.services.pricing import price_for
from erp.services.sales import sales_order_confirm, sales_order_create
from wms.models import Warehouse

ZERO = Decimal(0)
HUNDRED = Decimal(100)
S = QuoteState
DOC_TYPE = "QT"
# How long a quote holds when no validity is given.
DEFAULT_VALIDITY_DAYS = 30
HEADER_FIELDS = {
    "contact",
    "opportunity",
    "price_list",
    "currency",
    "warehouse",
    "quote_date",
    "valid_until",
    "requested_date",
    "notes",
    "salesperson",
}
# Header changes after which the lines priced from the lists are priced again.
REPRICING_FIELDS = {"price_list", "quote_date"}
LINE_FIELDS = {"item", "quantity", "unit_price", "discount_pct", "tax_rate", "promised_date", "position"}
# Optional line fields an update given None empties.
CLEARABLE = ("tax_rate", "promised_date")
# A promise was made for an item and quantity: changing either voids it.
PROMISE_BASIS = {"item", "quantity"}
REVISABLE = (S.SENT, S.REJECTED, S.EXPIRED)
# A sales order's field names as the quote calls them, for the errors of a refused acceptance.
ORDER_TO_QUOTE_FIELDS = {"customer": "account"}


# --- Helpers --------------------------------------------------------------------------------------------------


def _lock(quote: Quote) -> Quote:
    return (
        Quote.objects.select_for_update(of=("self",))
        .select_related("account", "currency", "price_list", "warehouse", "opportunity")
        .get(pk=quote.pk)
    )


def _refuse_state(quote: Quote, allowed: str) -> ValidationError:
    message = _("%(quote)s is %(state)s: %(allowed)s") % {
        "quote": quote,
        "state": quote.get_state_display().lower(),
        "allowed": allowed,
    }
    return ValidationError(message, code="wrong_state")


def _require_draft(quote: Quote) -> None:
    if quote.state != S.DRAFT:
        raise _refuse_state(quote, _("only a draft can be changed; revise it for a new version."))


def _account_errors(account: Partner) -> dict[str, ValidationError]:
    if not account.is_customer:
        message = _("%(partner)s is not a customer.") % {"partner": account.code}
        return {"account": ValidationError(message, code="not_a_customer")}
    if not account.active:
        message = _("%(partner)s is inactive.") % {"partner": account.code}
        return {"account": ValidationError(message, code="inactive")}
    return {}


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """A line's errors under `lines.<n>.<field>`, as the API reports nested lines."""
    if hasattr(error, "error_dict"):
        return ValidationError({f"{prefix}.{name}": errors for name, errors in error.error_dict.items()})
    return ValidationError({prefix: error.error_list})


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _first_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.order_by("code").first()
    if warehouse is None:
        message = _("There is no warehouse to ship from yet.")
        raise ValidationError({"warehouse": ValidationError(message, code="required")})
    return warehouse


def _latest_promise(quote: Quote) -> datetime.date | None:
    """The quote's promise: the latest of its lines', once every line has one."""
    dates = list(quote.lines.values_list("promised_date", flat=True))
    if not dates or None in dates:
        return None
    return max(dates)


def _lines_changed(quote: Quote) -> None:
    """A line of the quote changed: the quote's promise becomes the latest line's, and the quote is saved
    even when that stays, since its API ETag covers its lines."""
    quote.promised_date = _latest_promise(quote)
    quote.save(update_fields=["promised_date", "updated_at"])


# --- Prices ---------------------------------------------------------------------------------------------------


def _no_price(quote: Quote, item: Item, quantity: Decimal, where: str) -> ValidationError:
    message = _(
        "%(where)s prices no %(quantity)s of %(item)s in %(currency)s on %(date)s; "
        "add the item to a price list or enter a unit price."
    ) % {
        "where": where,
        "quantity": format_quantity(quantity),
        "item": item.code,
        "currency": quote.currency.code,
        "date": quote.quote_date.isoformat(),
    }
    return ValidationError(message, code="no_price")


def _chosen_list_price(quote: Quote, price_list: PriceList, item: Item, quantity: Decimal) -> Decimal:
    """The quantity break of `price_list` for `quantity` of `item`, when the list holds on the quote's date."""
    on = quote.quote_date
    in_force = (
        price_list.active
        and (price_list.valid_from is None or price_list.valid_from <= on)
        and (price_list.valid_to is None or price_list.valid_to >= on)
    )
    row = (
        PriceListItem.objects.filter(price_list=price_list, item=item, min_quantity__lte=quantity)
        .order_by("-min_quantity")
        .first()
        if in_force
        else None
    )
    if row is None:
        raise _no_price(quote, item, quantity, _("Price list %(list)s") % {"list": price_list.code})
    return row.unit_price


def quote_list_price(*, quote: Quote, item: Item, quantity: Decimal) -> Decimal:
    """What `quantity` of `item` costs on the quote: from its chosen price list, else from the customer's
    lists and then the general ones (erp pricing), at the quantity break reached, on the quote's date."""
    if quote.price_list_id:
        return _chosen_list_price(quote, quote.price_list, item, quantity)
    try:
        return price_for(
            customer=quote.account, item=item, quantity=quantity, currency=quote.currency, on=quote.quote_date
        )
    except ValidationError:
        raise _no_price(quote, item, quantity, _("No price list")) from None


# --- Drafts ---------------------------------------------------------------------------------------------------


def quote_create(
    *,
    account: Partner,
    requested_date: datetime.date,
    quote_date: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    contact: Contact | None = None,
    opportunity: Opportunity | None = None,
    price_list: PriceList | None = None,
    currency: Currency | None = None,
    warehouse: Warehouse | None = None,
    notes: str = "",
    salesperson: Any = None,
    lines: list[dict[str, Any]] | None = None,
) -> Quote:
    """A draft quote numbered QT-<year>-<n>, version 1, valid 30 days unless told otherwise.

    The currency is the chosen price list's, else the customer's, else the company's. `lines` are the
    keyword arguments of `quote_line_add`; a line's errors are reported under `lines.<index>.<field>`.
    """
    quote_date = quote_date or timezone.localdate()
    errors = _account_errors(account)
    if errors:
        raise ValidationError(errors)
    if currency is None:
        currency = price_list.currency if price_list is not None else account.currency or company_currency()
    with transaction.atomic():
        quote = Quote(
            number=next_document_number(doc_type=DOC_TYPE, on=quote_date),
            version=1,
            account=account,
            contact=contact,
            opportunity=opportunity,
            price_list=price_list,
            currency=currency,
            warehouse=warehouse or _first_warehouse(),
            quote_date=quote_date,
            valid_until=valid_until or quote_date + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS),
            requested_date=requested_date,
            notes=notes,
            salesperson=_user_or_none(salesperson),
        )
        quote.full_clean(exclude=["sales_order", "superseded_by"])
        quote.save()
        for index, values in enumerate(lines or []):
            try:
                _line_add(quote, **values)
            except ValidationError as exc:
                raise _prefixed(exc, f"lines.{index}") from None
        return quote


def quote_delete(*, quote: Quote) -> None:
    """Delete a first draft the customer never saw. A revision is kept: it supersedes the version before it."""
    with transaction.atomic():
        quote = _lock(quote)
        _require_draft(quote)
        if quote.version > 1:
            message = _("%(quote)s revises an earlier version; edit it rather than deleting it.") % {"quote": quote}
            raise ValidationError(message, code="revision")
        quote.delete()


def quote_update(*, quote: Quote, **changes: Any) -> Quote:
    """Change a draft's header. A new price list or date prices the list-priced lines again."""
    unknown = set(changes) - HEADER_FIELDS
    if unknown:
        raise TypeError(f"Not a quote field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        quote = _lock(quote)
        _require_draft(quote)
        changed = {name: value for name, value in changes.items() if getattr(quote, name) != value}
        if "currency" in changed and quote.lines.exists():
            message = _("The lines are priced in %(currency)s; remove them before changing the currency.") % {
                "currency": quote.currency.code
            }
            raise ValidationError({"currency": ValidationError(message, code="has_lines")})
        for name, value in changed.items():
            setattr(quote, name, _user_or_none(value) if name == "salesperson" else value)
        quote.full_clean(exclude=["sales_order", "superseded_by"])
        quote.save()
        if REPRICING_FIELDS & set(changed):
            for line in quote.lines.select_for_update().select_related("item").filter(priced_from_list=True):
                try:
                    line.unit_price = quote_list_price(quote=quote, item=line.item, quantity=line.quantity)
                except ValidationError as exc:
                    raise ValidationError({"price_list": exc.error_list}) from None
                line.save(update_fields=["unit_price", "updated_at"])
        return quote


def _line_save(quote: Quote, line: QuoteLine, *, values: dict[str, Any], clear: frozenset[str] = frozenset()) -> None:
    """Check a line with `values` set (and the fields in `clear` emptied), price it when the list prices it,
    and save it."""
    position = values.pop("position", None)
    for name, value in values.items():
        setattr(line, name, value)
    for name in clear:
        setattr(line, name, None)
    errors = {}
    if line.quantity is None or Decimal(line.quantity) <= 0:
        errors["quantity"] = ValidationError(_("The quantity must be more than zero."), code="min_value")
    if not ZERO <= Decimal(line.discount_pct) <= HUNDRED:
        errors["discount_pct"] = ValidationError(_("A discount is between 0 and 100 %."), code="invalid")
    if not line.item.active:
        message = _("%(item)s is inactive.") % {"item": line.item.code}
        errors["item"] = ValidationError(message, code="inactive")
    if line.priced_from_list and not errors:
        try:
            line.unit_price = quote_list_price(quote=quote, item=line.item, quantity=line.quantity)
        except ValidationError as exc:
            errors["unit_price"] = exc
    elif line.unit_price is not None and Decimal(line.unit_price) < 0:
        errors["unit_price"] = ValidationError(_("A price cannot be negative."), code="min_value")
    if position is not None:
        if quote.lines.filter(position=position).exclude(pk=line.pk).exists():
            message = _("%(quote)s has a line at position %(position)s already.") % {
                "quote": quote,
                "position": position,
            }
            errors["position"] = ValidationError(message, code="unique")
        line.position = position
    elif line.position is None:
        line.position = max(quote.lines.values_list("position", flat=True), default=0) + 10
    if errors:
        raise ValidationError(errors)
    # The checks above say in words what the constraints would.
    line.full_clean(validate_constraints=False)
    line.save()


def _line_add(
    quote: Quote,
    *,
    item: Item,
    quantity: Decimal,
    unit_price: Decimal | None = None,
    discount_pct: Decimal | None = None,
    tax_rate: TaxRate | None = None,
    promised_date: datetime.date | None = None,
    position: int | None = None,
) -> QuoteLine:
    line = QuoteLine(quote=quote, priced_from_list=unit_price is None)
    values = {
        "item": item,
        "quantity": quantity,
        "unit_price": unit_price,
        "discount_pct": discount_pct if discount_pct is not None else ZERO,
        "tax_rate": tax_rate,
        "promised_date": promised_date,
        "position": position,
    }
    _line_save(quote, line, values=values)
    return line


def quote_line_add(
    *,
    quote: Quote,
    item: Item,
    quantity: Decimal,
    unit_price: Decimal | None = None,
    discount_pct: Decimal | None = None,
    tax_rate: TaxRate | None = None,
    promised_date: datetime.date | None = None,
    position: int | None = None,
) -> QuoteLine:
    """Add a line to a draft; without a unit price the price list gives it, at the quantity break reached."""
    with transaction.atomic():
        quote = _lock(quote)  # positions are numbered under the quote's lock
        _require_draft(quote)
        line = _line_add(
            quote,
            item=item,
            quantity=quantity,
            unit_price=unit_price,
            discount_pct=discount_pct,
            tax_rate=tax_rate,
            promised_date=promised_date,
            position=position,
        )
        _lines_changed(quote)
        return line


def quote_line_update(*, line: QuoteLine, **changes: Any) -> QuoteLine:
    """Change a line of a draft.

    A unit price given overrides the list's; `unit_price=None` hands the line back to the price list. A
    list-priced line is priced again (a new quantity may reach another break). A new item or quantity voids
    the line's promise unless a promised date is given with it; dates and the tax rate given as None are
    cleared.
    """
    unknown = set(changes) - LINE_FIELDS
    if unknown:
        raise TypeError(f"Not a quote line field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        quote = _lock(line.quote)
        _require_draft(quote)
        line = QuoteLine.objects.select_for_update().select_related("item").get(pk=line.pk, quote=quote)
        values = {name: value for name, value in changes.items() if value is not None}
        clear = {name for name in CLEARABLE if name in changes and changes[name] is None}
        if "unit_price" in changes:
            line.priced_from_list = changes["unit_price"] is None
        basis_changed = any(name in values and getattr(line, name) != values[name] for name in PROMISE_BASIS)
        if basis_changed and "promised_date" not in values:
            clear.add("promised_date")
        _line_save(quote, line, values=values, clear=frozenset(clear))
        _lines_changed(quote)
        return line


def quote_line_remove(*, line: QuoteLine) -> None:
    with transaction.atomic():
        quote = _lock(line.quote)
        _require_draft(quote)
        QuoteLine.objects.filter(pk=line.pk, quote=quote).delete()
        _lines_changed(quote)


# --- Promising ------------------------------------------------------------------------------------------------


def quote_promise(*, quote: Quote, now: datetime.datetime | None = None) -> Quote:
    """Promise each line of a draft by capable-to-promise (stock, the MRP plan and the published schedule, for
    the quote's requested date); the quote's promise is the latest line's."""
    with transaction.atomic():
        quote = _lock(quote)
        _require_draft(quote)
        lines = list(quote.lines.select_for_update(of=("self",)).select_related("item").order_by("position"))
        if not lines:
            raise ValidationError({"lines": ValidationError(_("A quote needs at least one line."), code="required")})
        for line in lines:
            promise = capable_to_promise(
                item=line.item, quantity=line.quantity, requested_date=quote.requested_date, now=now
            )
            line.promised_date = promise.date
            line.save(update_fields=["promised_date", "updated_at"])
        _lines_changed(quote)
        return quote


# --- Sending, revising, rejecting, expiring ------------------------------------------------------------------


def quote_send(*, quote: Quote, user: Any = None) -> Quote:
    """A draft goes to the customer: it needs lines and a validity that has not run out."""
    today = timezone.localdate()
    with transaction.atomic():
        quote = _lock(quote)
        _require_draft(quote)
        errors = _account_errors(quote.account)
        if not quote.lines.exists():
            errors["lines"] = ValidationError(_("A quote needs at least one line."), code="required")
        if quote.valid_until < today:
            message = _("The quote was valid until %(date)s; give it a validity in the future.") % {
                "date": quote.valid_until.isoformat()
            }
            errors["valid_until"] = ValidationError(message, code="in_past")
        if errors:
            raise ValidationError(errors)
        quote.state = S.SENT
        quote.sent_at = timezone.now()
        if quote.salesperson_id is None:
            quote.salesperson = _user_or_none(user)
        quote.save(update_fields=["state", "sent_at", "salesperson", "updated_at"])
        return quote


def quote_revise(*, quote: Quote, user: Any = None) -> Quote:
    """A new version of a sent, rejected or expired quote: a draft copy with the same number, dated today and
    valid as long as the last one was, its lines as quoted but without promises (capacity has moved since).
    The old version is superseded by it."""
    today = timezone.localdate()
    with transaction.atomic():
        quote = _lock(quote)
        if quote.state not in REVISABLE:
            raise _refuse_state(quote, _("only a sent, rejected or expired quote is revised."))
        # Versions are numbered under the lock of the latest one (only the latest is ever revisable).
        version = Quote.objects.filter(number=quote.number).aggregate(last=Max("version"))["last"] + 1
        revision = Quote(
            number=quote.number,
            version=version,
            account=quote.account,
            contact=quote.contact,
            opportunity=quote.opportunity,
            price_list=quote.price_list,
            currency=quote.currency,
            warehouse=quote.warehouse,
            quote_date=today,
            valid_until=today + (quote.valid_until - quote.quote_date),
            requested_date=max(quote.requested_date, today),
            notes=quote.notes,
            salesperson=_user_or_none(user) or quote.salesperson,
        )
        revision.full_clean(exclude=["sales_order", "superseded_by"])
        revision.save()
        QuoteLine.objects.bulk_create(
            QuoteLine(
                quote=revision,
                position=line.position,
                item=line.item,
                quantity=line.quantity,
                unit_price=line.unit_price,
                priced_from_list=line.priced_from_list,
                discount_pct=line.discount_pct,
                tax_rate=line.tax_rate,
            )
            for line in quote.lines.order_by("position")
        )
        quote.state = S.SUPERSEDED
        quote.superseded_by = revision
        quote.save(update_fields=["state", "superseded_by", "updated_at"])
        return revision


def quote_reject(*, quote: Quote, reason: str, user: Any = None) -> Quote:
    """The customer said no to a sent quote, for a reason kept with it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the customer rejected the quote."), code="required")}
        )
    with transaction.atomic():
        quote = _lock(quote)
        if quote.state != S.SENT:
            raise _refuse_state(quote, _("only a sent quote can be rejected."))
        quote.state = S.REJECTED
        quote.rejected_reason = reason
        quote.save(update_fields=["state", "rejected_reason", "updated_at"])
        return quote


def quotes_expire(*, today: datetime.date | None = None) -> int:
    """Sent quotes whose validity ended before `today` expire; how many did."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # Skipped when locked: a quote being accepted right now is decided by its acceptance.
        due = Quote.objects.select_for_update(skip_locked=True).filter(state=S.SENT, valid_until__lt=today)
        count = 0
        for quote in due:
            quote.state = S.EXPIRED
            quote.save(update_fields=["state", "updated_at"])
            count += 1
        return count


# --- Acceptance -----------------------------------------------------------------------------------------------


def _not_accepted(quote: Quote, error: ValidationError) -> ValidationError:
    """The sales order's refusal as the quote's, each message saying what it stopped and keeping its code."""

    def reworded(errors: list[ValidationError]) -> list[ValidationError]:
        return [
            ValidationError(
                _("%(quote)s was not accepted: %(reason)s") % {"quote": quote, "reason": message}, code=item.code
            )
            for item in errors
            for message in item.messages
        ]

    if hasattr(error, "error_dict"):
        return ValidationError(
            {ORDER_TO_QUOTE_FIELDS.get(name, name): reworded(errors) for name, errors in error.error_dict.items()}
        )
    errors = reworded(error.error_list)
    return errors[0] if len(errors) == 1 else ValidationError(errors)


def _acceptance_errors(quote: Quote, lines: list[QuoteLine], today: datetime.date) -> ValidationError | None:
    if quote.state != S.SENT:
        return _refuse_state(quote, _("only a sent quote can be accepted."))
    if quote.valid_until < today:
        message = _("%(quote)s was valid until %(date)s; revise it for a new version.") % {
            "quote": quote,
            "date": quote.valid_until.isoformat(),
        }
        return ValidationError(message, code="expired")
    lapsed = [line for line in lines if line.promised_date is not None and line.promised_date < today]
    if lapsed or (quote.promised_date is not None and quote.promised_date < today):
        message = _("%(quote)s promised dates that have passed (%(dates)s); revise it for a new promise.") % {
            "quote": quote,
            "dates": ", ".join(sorted({line.promised_date.isoformat() for line in lapsed}))
            or quote.promised_date.isoformat(),
        }
        return ValidationError(message, code="promise_lapsed")
    return None


def quote_accept(*, quote: Quote, user: Any = None, customer_reference: str = "") -> Quote:
    """The customer accepts a sent, still valid quote: it becomes a confirmed sales order at its prices,
    discounts, tax rates and promised dates, the quote keeps the link, and its opportunity is won.

    One transaction: the order is created and confirmed by ERP (customer blocks, credit limit, WMS
    reservation). Any refusal undoes all of it, the order's number included, and the quote stays sent; the
    error says why. A customer who wanted the goods before today gets them as soon as promised.
    """
    today = timezone.localdate()
    with transaction.atomic():
        quote = _lock(quote)
        lines = list(quote.lines.select_related("item", "tax_rate").order_by("position"))
        refusal = _acceptance_errors(quote, lines, today)
        if refusal is not None:
            raise refusal
        try:
            order = sales_order_create(
                customer=quote.account,
                warehouse=quote.warehouse,
                order_date=today,
                requested_date=max(quote.requested_date, today),
                promised_date=quote.promised_date,
                currency=quote.currency,
                customer_reference=customer_reference,
                notes=_("From quote %(quote)s.") % {"quote": quote},
                salesperson=quote.salesperson,
                lines=[
                    {
                        "position": line.position,
                        "item": line.item,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "discount_pct": line.discount_pct,
                        "tax_rate": line.tax_rate,
                        "promised_date": line.promised_date,
                    }
                    for line in lines
                ],
            )
            order = sales_order_confirm(order=order, user=user)
        except ValidationError as exc:
            raise _not_accepted(quote, exc) from None
        quote.sales_order = order
        quote.state = S.ACCEPTED
        quote.accepted_at = timezone.now()
        quote.customer_reference = customer_reference
        quote.save(update_fields=["sales_order", "state", "accepted_at", "customer_reference", "updated_at"])
        # Won once: a second quote of the same opportunity accepted later leaves it as it is, and a lost one is
        # the salesperson's to reopen, not a reason to refuse the customer's order.
        opportunity = quote.opportunity
        if opportunity is not None and opportunity.state == OpportunityState.OPEN:
            opportunity_win(opportunity=opportunity, user=user)
        totals = lines_totals(lines)
        payload = {
            "quote": quote.number,
            "version": quote.version,
            "customer": quote.account.code,
            "opportunity": str(quote.opportunity_id) if quote.opportunity_id else None,
            "sales_order": order.number,
            "currency": quote.currency.code,
            "net": str(totals.net),
            "total": str(totals.total),
            "promised_date": quote.promised_date.isoformat() if quote.promised_date else None,
            "customer_reference": customer_reference,
            "accepted_at": quote.accepted_at.isoformat(),
        }
        event_publish(name=QUOTE_ACCEPTED, payload=payload, aggregate=quote, actor=user)
        return quote
