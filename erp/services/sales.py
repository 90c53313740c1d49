"""Sales orders: drafts and their lines, confirmation (credit check, WMS shipment request and
reservation), cancellation, production and shipment progress, invoicing and closing.

States: draft > confirmed > in production / partially shipped > shipped > invoiced > closed, or
cancelled. Shipped quantities come from WMS (`wms.shipment.shipped`, handled in erp.handlers.sales).

Locks, in one order everywhere: an order's stock request before the order, the order before its
customer. Shipping (WMS) holds the request when it reports to the order, so whoever else needs both
takes the request first.
"""

import datetime
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import BlockPurpose, Currency, Item, Partner
from core.selectors.currencies import company_currency, exchange_rate_on
from core.selectors.partners import partner_blocks_in_force
from core.services.events import event_publish
from core.services.numbering import next_document_number
from erp.choices import AccountRole, InvoiceKind, InvoiceState, SalesOrderState
from erp.events import SALES_ORDER_CANCELLED, SALES_ORDER_CONFIRMED
from erp.models import Invoice, InvoiceLine, SalesOrder, SalesOrderLine, TaxRate
from erp.selectors.sales import credit_exposure, lines_totals
from erp.services.invoices import invoice_number, invoice_post
from erp.services.journal import account_for, to_cents
from erp.services.pricing import price_for
from wms.choices import LocationKind, RequestKind, RequestState
from wms.locations import virtual_location
from wms.models import StockRequest, Warehouse
from wms.services.requests import stock_request_cancel, stock_request_create, stock_request_reserve

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
S = SalesOrderState
# Past confirmation and before anything shipped: what production and cancelling apply to.
NOT_SHIPPED = (S.CONFIRMED, S.IN_PRODUCTION)
# Shipments may still arrive and invoices be made.
SHIPPING = (S.CONFIRMED, S.IN_PRODUCTION, S.PARTIALLY_SHIPPED, S.SHIPPED)
HEADER_FIELDS = {
    "customer",
    "customer_reference",
    "order_date",
    "requested_date",
    "promised_date",
    "warehouse",
    "currency",
    "notes",
    "salesperson",
}
# What may still change once the customer has the confirmation: nothing that changes the commitment.
AFTER_CONFIRMATION = {"customer_reference", "notes", "salesperson"}
DECIMALS = {"quantity", "unit_price", "discount_pct"}
# Optional fields a line update given None empties.
CLEARABLE = ("tax_rate", "requested_date", "promised_date")
LINE_FIELDS = {
    "item",
    "quantity",
    "unit_price",
    "discount_pct",
    "tax_rate",
    "requested_date",
    "promised_date",
    "position",
}


def _money(amount: Decimal) -> str:
    return f"{to_cents(amount):,.2f}"


def _lock(order: SalesOrder) -> SalesOrder:
    return (
        SalesOrder.objects.select_for_update(of=("self",))
        .select_related("customer", "currency", "warehouse")
        .get(pk=order.pk)
    )


def _refuse_state(order: SalesOrder, allowed: str) -> ValidationError:
    message = _("%(order)s is %(state)s: %(allowed)s") % {
        "order": order.number,
        "state": order.get_state_display().lower(),
        "allowed": allowed,
    }
    return ValidationError(message, code="wrong_state")


def _require_draft(order: SalesOrder) -> None:
    if order.state != S.DRAFT:
        raise _refuse_state(order, _("only a draft order can be changed."))


def _customer_errors(customer: Partner) -> dict[str, ValidationError]:
    if not customer.is_customer:
        message = _("%(partner)s is not a customer.") % {"partner": customer.code}
        return {"customer": ValidationError(message, code="not_a_customer")}
    if not customer.active:
        message = _("%(partner)s is inactive.") % {"partner": customer.code}
        return {"customer": ValidationError(message, code="inactive")}
    blocks = partner_blocks_in_force(partner=customer, purpose=BlockPurpose.SALES, on=timezone.localdate())
    if blocks:
        message = _("Selling to %(partner)s is blocked: %(reasons)s") % {
            "partner": customer.code,
            "reasons": "; ".join(block.reason for block in blocks),
        }
        return {"customer": ValidationError(message, code="blocked")}
    return {}


def _date_errors(order_date: datetime.date, **dates: datetime.date | None) -> dict[str, ValidationError]:
    return {
        name: ValidationError(
            _("This date is before the order date (%(date)s).") % {"date": order_date.isoformat()},
            code="before_order_date",
        )
        for name, value in dates.items()
        if value is not None and value < order_date
    }


def _coded(error: ValidationError, code: str | None) -> ValidationError:
    """Another service's refusal as the errors of one field, each keeping the code."""
    return ValidationError([ValidationError(message, code=code) for message in error.messages])


def _rate(currency: Currency, on: datetime.date) -> Decimal:
    try:
        return exchange_rate_on(currency=currency, on=on)
    except ValidationError as exc:
        raise ValidationError({"currency": _coded(exc, exc.code)}) from None


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """A line's errors under `lines.<n>.<field>`, as the API reports nested lines."""
    if hasattr(error, "error_dict"):
        return ValidationError({f"{prefix}.{name}": errors for name, errors in error.error_dict.items()})
    return ValidationError({prefix: error.error_list})


# --- Drafts ----------------------------------------------------------------------------------------------------


def sales_order_create(
    *,
    customer: Partner,
    warehouse: Warehouse,
    requested_date: datetime.date,
    order_date: datetime.date | None = None,
    promised_date: datetime.date | None = None,
    currency: Currency | None = None,
    customer_reference: str = "",
    notes: str = "",
    salesperson: Any = None,
    lines: list[dict[str, Any]] | None = None,
    number: str | None = None,
) -> SalesOrder:
    """A draft order in the customer's currency (or the company's), at the rate of the order date.

    `number` keeps an imported order's own number; new orders are numbered SO-<year>-<n>.

    `lines` are the keyword arguments of `sales_order_line_add`; a line's errors are reported
    under `lines.<index>.<field>`.
    """
    order_date = order_date or timezone.localdate()
    errors = {
        **_customer_errors(customer),
        **_date_errors(order_date, requested_date=requested_date, promised_date=promised_date),
    }
    if errors:
        raise ValidationError(errors)
    currency = currency or customer.currency or company_currency()
    rate = _rate(currency, order_date)
    with transaction.atomic():
        order = SalesOrder(
            number=number or next_document_number(doc_type="SO", on=order_date),
            customer=customer,
            customer_reference=customer_reference,
            currency=currency,
            exchange_rate=rate,
            order_date=order_date,
            requested_date=requested_date,
            promised_date=promised_date,
            warehouse=warehouse,
            notes=notes,
            salesperson=salesperson if getattr(salesperson, "is_authenticated", False) else None,
        )
        order.full_clean(exclude=["stock_request"])
        order.save()
        for index, values in enumerate(lines or []):
            try:
                reprice = values.get("unit_price") is None
                _line_save(order, SalesOrderLine(order=order), values=dict(values), reprice=reprice)
            except ValidationError as exc:
                raise _prefixed(exc, f"lines.{index}") from None
        return order


def sales_order_update(*, order: SalesOrder, **changes: Any) -> SalesOrder:
    """Change a draft's header; once confirmed only the customer's reference, notes and salesperson."""
    unknown = set(changes) - HEADER_FIELDS
    if unknown:
        raise TypeError(f"Not a sales order field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        order = _lock(order)
        if order.state in (S.CLOSED, S.CANCELLED):
            raise _refuse_state(order, _("it cannot be changed any more."))
        changed = {name: value for name, value in changes.items() if getattr(order, name) != value}
        if order.state != S.DRAFT and set(changed) - AFTER_CONFIRMATION:
            raise ValidationError(
                {
                    name: ValidationError(
                        _("%(order)s is confirmed: only a draft's %(field)s can change.")
                        % {"order": order.number, "field": SalesOrder._meta.get_field(name).verbose_name},
                        code="confirmed",
                    )
                    for name in sorted(set(changed) - AFTER_CONFIRMATION)
                }
            )
        if "currency" in changed and order.lines.exists():
            message = _("The lines are priced in %(currency)s; remove them before changing the currency.") % {
                "currency": order.currency.code
            }
            raise ValidationError({"currency": ValidationError(message, code="has_lines")})
        for name, value in changed.items():
            setattr(order, name, value)
        if "salesperson" in changed and not getattr(order.salesperson, "is_authenticated", False):
            order.salesperson = None
        errors = {
            **(_customer_errors(order.customer) if "customer" in changed else {}),
            **_date_errors(order.order_date, requested_date=order.requested_date, promised_date=order.promised_date),
        }
        if errors:
            raise ValidationError(errors)
        if {"currency", "order_date"} & set(changed):
            order.exchange_rate = _rate(order.currency, order.order_date)
        order.full_clean(exclude=["stock_request"])
        order.save()
        return order


def _line_save(
    order: SalesOrder,
    line: SalesOrderLine,
    *,
    values: dict[str, Any],
    reprice: bool,
    clear: frozenset[str] = frozenset(),
) -> SalesOrderLine:
    """Check a line with `values` set (and the optional fields in `clear` emptied), then save it.

    `reprice` takes the unit price from the price lists (customer's first, quantity breaks)."""
    unknown = set(values) - LINE_FIELDS
    if unknown:
        raise TypeError(f"Not a sales order line field: {', '.join(sorted(unknown))}")
    position = values.pop("position", None)
    for name, value in values.items():
        setattr(line, name, Decimal(value) if name in DECIMALS and value is not None else value)
    for name in clear:
        setattr(line, name, None)
    errors: dict[str, ValidationError] = {}
    if line.item_id is None:
        errors["item"] = ValidationError(_("Choose an item."), code="required")
    elif not line.item.active:
        errors["item"] = ValidationError(_("%(item)s is inactive.") % {"item": line.item.code}, code="inactive")
    if line.quantity is None or line.quantity <= 0:
        errors["quantity"] = ValidationError(_("The quantity must be more than zero."), code="min_value")
    if line.discount_pct is None:
        line.discount_pct = ZERO
    if not ZERO <= line.discount_pct <= HUNDRED:
        errors["discount_pct"] = ValidationError(_("A discount is between 0 and 100%."), code="invalid")
    if line.unit_price is not None and line.unit_price < 0:
        errors["unit_price"] = ValidationError(_("A price cannot be negative."), code="min_value")
    errors.update(_date_errors(order.order_date, requested_date=line.requested_date, promised_date=line.promised_date))
    if reprice and "item" not in errors and "quantity" not in errors:
        try:
            line.unit_price = price_for(
                customer=order.customer,
                item=line.item,
                quantity=line.quantity,
                currency=order.currency,
                on=order.order_date,
            )
        except ValidationError as exc:
            errors["unit_price"] = _coded(exc, "no_price")
    if position is not None:
        if order.lines.filter(position=position).exclude(pk=line.pk).exists():
            message = _("%(order)s has a line at position %(position)s already.") % {
                "order": order.number,
                "position": position,
            }
            errors["position"] = ValidationError(message, code="unique")
        line.position = position
    elif line.position is None:
        line.position = max(order.lines.values_list("position", flat=True), default=0) + 10
    if errors:
        raise ValidationError(errors)
    # The checks above say in words what the constraints would.
    line.full_clean(validate_constraints=False)
    line.save()
    return line


def sales_order_line_add(
    *,
    order: SalesOrder,
    item: Item,
    quantity: Decimal,
    unit_price: Decimal | None = None,
    discount_pct: Decimal = ZERO,
    tax_rate: TaxRate | None = None,
    requested_date: datetime.date | None = None,
    promised_date: datetime.date | None = None,
    position: int | None = None,
) -> SalesOrderLine:
    """Add a line to a draft; without a unit price the customer's price list gives it (quantity breaks)."""
    with transaction.atomic():
        order = _lock(order)  # positions are numbered under the order's lock
        _require_draft(order)
        values = {
            "item": item,
            "quantity": quantity,
            "unit_price": unit_price,
            "discount_pct": discount_pct,
            "tax_rate": tax_rate,
            "requested_date": requested_date,
            "promised_date": promised_date,
            "position": position,
        }
        line = _line_save(order, SalesOrderLine(order=order), values=values, reprice=unit_price is None)
        order.touch()  # the order's ETag covers its lines
        return line


def sales_order_line_update(*, line: SalesOrderLine, **changes: Any) -> SalesOrderLine:
    """Change a line of a draft. `unit_price=None` prices it again from the price lists; dates and the
    tax rate given as None are cleared."""
    unknown = set(changes) - LINE_FIELDS
    if unknown:
        raise TypeError(f"Not a sales order line field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        order = _lock(line.order)
        _require_draft(order)
        line = SalesOrderLine.objects.select_for_update().select_related("item").get(pk=line.pk, order=order)
        reprice = "unit_price" in changes and changes["unit_price"] is None
        clear = frozenset(name for name in CLEARABLE if name in changes and changes[name] is None)
        values = {name: value for name, value in changes.items() if value is not None}
        line = _line_save(order, line, values=values, reprice=reprice, clear=clear)
        order.touch()
        return line


def sales_order_line_remove(*, line: SalesOrderLine) -> None:
    with transaction.atomic():
        order = _lock(line.order)
        _require_draft(order)
        SalesOrderLine.objects.filter(pk=line.pk, order=order).delete()
        order.touch()


# --- Confirmation and cancellation -----------------------------------------------------------------------------


def _event_payload(order: SalesOrder, lines: list[SalesOrderLine]) -> dict[str, Any]:
    return {
        "order": order.number,
        "customer": order.customer.code,
        "currency": order.currency.code,
        "total": str(lines_totals(lines).total),
        "stock_request": order.stock_request.number if order.stock_request_id else None,
        "lines": [
            {
                "position": line.position,
                "item": line.item.code,
                "quantity": str(line.quantity),
                "requested_date": (line.requested_date or order.requested_date).isoformat(),
                "promised_date": _iso(line.promised_date or order.promised_date),
            }
            for line in lines
        ],
    }


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _credit_check(order: SalesOrder, customer: Partner, lines: list[SalesOrderLine]) -> None:
    if customer.credit_limit <= 0:
        return  # no limit set
    exposure = credit_exposure(customer=customer, exclude=order)
    value = to_cents(lines_totals(lines).total * order.exchange_rate)
    if exposure.total + value <= customer.credit_limit:
        return
    message = _(
        "%(order)s would take %(customer)s past its credit limit: exposure %(exposure)s %(currency)s "
        "(open invoices %(receivables)s, open orders %(orders)s) plus this order's %(value)s "
        "is %(sum)s, over the limit of %(limit)s."
    ) % {
        "order": order.number,
        "customer": customer.code,
        "exposure": _money(exposure.total),
        "currency": company_currency().code,
        "receivables": _money(exposure.receivables),
        "orders": _money(exposure.open_orders),
        "value": _money(value),
        "sum": _money(exposure.total + value),
        "limit": _money(customer.credit_limit),
    }
    raise ValidationError(message, code="credit_limit")


def sales_order_confirm(*, order: SalesOrder, user: Any = None) -> SalesOrder:
    """Confirm a draft: check the credit limit, ask WMS for the shipment and reserve what is on hand.

    The credit limit holds when the customer's open receivables, its other confirmed orders not yet
    invoiced and this order (tax included, company currency) stay within it. What is not on hand
    stays due on the stock request, to be reserved when it arrives.
    """
    with transaction.atomic():
        order = _lock(order)
        _require_draft(order)
        lines = list(order.lines.select_related("item", "tax_rate").order_by("position"))
        if not lines:
            raise ValidationError({"lines": ValidationError(_("An order needs at least one line."), code="required")})
        # The customer row is locked so two orders confirmed at once cannot both fit under one limit.
        customer = Partner.objects.select_for_update().get(pk=order.customer_id)
        errors = _customer_errors(customer)
        if errors:
            raise ValidationError(errors)
        _credit_check(order, customer, lines)
        stock_request = stock_request_create(
            kind=RequestKind.SHIPMENT,
            warehouse=order.warehouse,
            destination=virtual_location(LocationKind.CUSTOMER),
            lines=[(line.item, line.quantity, None) for line in lines],
            reference=order.number,
            partner=customer,
            needed_on=order.promised_date or order.requested_date,
        )
        order.stock_request = stock_request_reserve(request=stock_request)
        order.state = S.CONFIRMED
        order.confirmed_at = timezone.now()
        order.save(update_fields=["stock_request", "state", "confirmed_at", "updated_at"])
        event_publish(name=SALES_ORDER_CONFIRMED, payload=_event_payload(order, lines), aggregate=order, actor=user)
        return order


def sales_order_cancel(*, order: SalesOrder, user: Any = None) -> SalesOrder:
    """Cancel an order nothing has shipped from; its reservations are released."""
    with transaction.atomic():
        if order.stock_request_id:
            # The request first: WMS holds it while it reports a shipment to the order.
            StockRequest.objects.select_for_update().get(pk=order.stock_request_id)
        order = _lock(order)
        if order.state not in (S.DRAFT, *NOT_SHIPPED):
            raise _refuse_state(order, _("only an order nothing has shipped from can be cancelled."))
        if order.lines.filter(shipped_qty__gt=0).exists():
            message = _("%(order)s has shipped goods; what shipped cannot be cancelled.") % {"order": order.number}
            raise ValidationError(message, code="shipped")
        if order.stock_request_id and order.stock_request.state != RequestState.CANCELLED:
            stock_request_cancel(request=order.stock_request)
        order.state = S.CANCELLED
        order.save(update_fields=["state", "updated_at"])
        lines = list(order.lines.select_related("item", "tax_rate").order_by("position"))
        event_publish(name=SALES_ORDER_CANCELLED, payload=_event_payload(order, lines), aggregate=order, actor=user)
        return order


def sales_order_mark_in_production(*, order: SalesOrder) -> SalesOrder:
    """A production order for one of its lines was released: confirmed becomes in production.

    Called once per released production order: an order in production or already shipping stays as
    it is. A draft, cancelled or closed order is refused: nothing should be made for it.
    """
    with transaction.atomic():
        order = _lock(order)
        if order.state == S.CONFIRMED:
            order.state = S.IN_PRODUCTION
            order.save(update_fields=["state", "updated_at"])
        elif order.state in (S.DRAFT, S.CANCELLED, S.CLOSED):
            raise _refuse_state(order, _("only a confirmed order goes into production."))
        return order


# --- Shipping, invoicing, closing ---------------------------------------------------------------------------------


def sales_order_register_shipment(*, order: SalesOrder, shipped: list[tuple[str, Decimal]]) -> SalesOrder:
    """Count what WMS shipped (item code, quantity) on the order's lines of that item, in line order.

    More than a line still wanted goes to the next line of the item, and past the last one onto it.
    """
    with transaction.atomic():
        order = _lock(order)
        lines = list(order.lines.select_for_update(of=("self",)).select_related("item").order_by("position"))
        changed = set()
        for code, quantity in shipped:
            of_item = [line for line in lines if line.item.code == code]
            if not of_item:
                # Not from this order's request lines (changed in WMS by hand): the truck has left all
                # the same, so it is logged, not refused.
                logger.warning("%s shipped %s of %s, which the order does not have", order.number, quantity, code)
                continue
            left = Decimal(quantity)
            for line in of_item:
                take = min(left, max(line.quantity - line.shipped_qty, ZERO))
                if take > 0:
                    line.shipped_qty += take
                    left -= take
                    changed.add(line)
            if left > 0:
                of_item[-1].shipped_qty += left
                changed.add(of_item[-1])
        for line in changed:
            line.save(update_fields=["shipped_qty", "updated_at"])
        if order.state in SHIPPING:
            complete = all(line.shipped_qty >= line.quantity for line in lines)
            order.state = S.SHIPPED if complete else S.PARTIALLY_SHIPPED
            order.save(update_fields=["state", "updated_at"])
        return order


def sales_order_invoice(*, order: SalesOrder, invoice_date: datetime.date | None = None, user: Any = None) -> Invoice:
    """Invoice what has shipped and is not invoiced yet, at the order's net prices, and post it.

    In the order's currency and at its rate; due after the customer's payment terms. The order is
    invoiced once everything is shipped and invoiced.
    """
    invoice_date = invoice_date or timezone.localdate()
    with transaction.atomic():
        order = _lock(order)
        if order.state not in SHIPPING:
            raise _refuse_state(order, _("only an order that is shipping can be invoiced."))
        lines = list(
            order.lines.select_for_update(of=("self",))
            .select_related("item__category", "tax_rate")
            .order_by("position")
        )
        due = [(line, line.shipped_qty - line.invoiced_qty) for line in lines if line.shipped_qty > line.invoiced_qty]
        if not due:
            message = _("Nothing shipped on %(order)s is left to invoice.") % {"order": order.number}
            raise ValidationError(message, code="nothing_to_invoice")
        customer = order.customer
        invoice = Invoice(
            number=invoice_number(InvoiceKind.CUSTOMER, invoice_date),
            kind=InvoiceKind.CUSTOMER,
            partner=customer,
            currency=order.currency,
            exchange_rate=order.exchange_rate,
            invoice_date=invoice_date,
            due_date=invoice_date + datetime.timedelta(days=customer.payment_terms_days),
            sales_order=order,
        )
        invoice.full_clean(exclude=["journal_entry"])
        invoice.save()
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=index * 10,
                item=line.item,
                description=f"{order.number}/{line.position} {line.item.name}"[:255],
                quantity=quantity,
                unit_price=line.net_unit_price,
                tax_rate=line.tax_rate,
                account=account_for(AccountRole.SALES, item=line.item),
                sales_order_line=line,
            )
            for index, (line, quantity) in enumerate(due, start=1)
        )
        invoice = invoice_post(invoice=invoice, user=user)
        for line, quantity in due:
            line.invoiced_qty += quantity
            line.save(update_fields=["invoiced_qty", "updated_at"])
        if all(line.shipped_qty >= line.quantity and line.invoiced_qty >= line.quantity for line in lines):
            order.state = S.INVOICED
            order.save(update_fields=["state", "updated_at"])
        return invoice


def sales_order_close(*, order: SalesOrder, user: Any = None) -> SalesOrder:
    """Close an order that is invoiced in full and whose invoices are all paid."""
    with transaction.atomic():
        order = _lock(order)
        if order.state != S.INVOICED:
            raise _refuse_state(order, _("only an order shipped and invoiced in full can be closed."))
        unpaid = list(
            order.invoices.filter(kind=InvoiceKind.CUSTOMER)
            .exclude(state__in=(InvoiceState.PAID, InvoiceState.CANCELLED))
            .select_related("currency")
            .order_by("number")
        )
        if unpaid:
            message = _("%(order)s has unpaid invoices: %(invoices)s.") % {
                "order": order.number,
                "invoices": ", ".join(
                    _("%(number)s (%(open)s %(currency)s open)")
                    % {"number": invoice.number, "open": _money(invoice.open_amount), "currency": invoice.currency.code}
                    for invoice in unpaid
                ),
            }
            raise ValidationError(message, code="unpaid")
        order.state = S.CLOSED
        order.save(update_fields=["state", "updated_at"])
        return order
