"""Customer and supplier invoices: totals, posting to receivables or payables, and payments."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Currency, Partner
from core.selectors.currencies import company_currency, exchange_rate_on
from core.services.events import event_publish
from core.services.numbering import next_document_number
from erp.choices import (
    AccountKind,
    AccountRole,
    InvoiceKind,
    InvoiceState,
    JournalSource,
    PaymentDirection,
    PurchaseOrderState,
    SalesOrderState,
)
from erp.events import INVOICE_POSTED, PAYMENT_REGISTERED
from erp.models import Account, Invoice, InvoiceLine, JournalEntry, JournalLine, Payment
from erp.services.journal import Posting, account_for, journal_entry_post, journal_entry_reverse, to_cents

INVOICE_NUMBERS = {InvoiceKind.CUSTOMER: "INV", InvoiceKind.SUPPLIER: "BILL"}
SIX_PLACES = Decimal("0.000001")


def invoice_number(kind: str, on: datetime.date) -> str:
    return next_document_number(doc_type=INVOICE_NUMBERS[kind], on=on)


# The accounts an invoice line may book: revenue (or a liability such as a customer deposit) for a customer
# invoice; GRNI, an expense or an asset for a supplier invoice.
LINE_ACCOUNT_KINDS = {
    InvoiceKind.CUSTOMER: (AccountKind.INCOME, AccountKind.LIABILITY),
    InvoiceKind.SUPPLIER: (AccountKind.EXPENSE, AccountKind.LIABILITY, AccountKind.ASSET),
}


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: ValidationError(_("Enter a number."), code="invalid")}) from None
    if not number.is_finite():
        raise ValidationError({field: ValidationError(_("Enter a number."), code="invalid")})
    return number


def invoice_create(
    *,
    kind: str,
    partner: Partner,
    invoice_date: datetime.date,
    lines: Iterable[Mapping[str, Any]],
    due_date: datetime.date | None = None,
    currency: Currency | None = None,
    exchange_rate: Decimal | None = None,
    supplier_reference: str = "",
) -> Invoice:
    """A draft invoice not made from an order (a service bought, a fee charged), to be posted later.

    Each line: `quantity`, `unit_price` (invoice currency), and optionally `item`, `description`,
    `tax_rate`, `account`. Without an account a customer line books sales revenue; a supplier line books
    GRNI for an item (the receipt credited it) and purchased services otherwise. The currency defaults to
    the partner's (else the company's), the rate to the one on the invoice date, the due date to the
    partner's payment terms.
    """
    errors: dict[str, ValidationError] = {}
    if kind not in InvoiceKind.values:
        errors["kind"] = ValidationError(_("Choose customer or supplier."), code="invalid_choice")
    elif kind == InvoiceKind.CUSTOMER and not partner.is_customer:
        message = _("%(partner)s is not a customer.") % {"partner": partner.code}
        errors["partner"] = ValidationError(message, code="not_customer")
    elif kind == InvoiceKind.SUPPLIER and not partner.is_supplier:
        message = _("%(partner)s is not a supplier.") % {"partner": partner.code}
        errors["partner"] = ValidationError(message, code="not_supplier")
    if not partner.active:
        message = _("%(partner)s is inactive.") % {"partner": partner.code}
        errors["partner"] = ValidationError(message, code="inactive")
    due_date = due_date or invoice_date + datetime.timedelta(days=partner.payment_terms_days)
    if due_date < invoice_date:
        message = _("An invoice falls due on or after its date.")
        errors["due_date"] = ValidationError(message, code="before_invoice_date")
    lines = list(lines)
    if not lines:
        errors["lines"] = ValidationError(_("An invoice needs at least one line."), code="required")
    if errors:
        raise ValidationError(errors)
    currency = currency or partner.currency or company_currency()
    if exchange_rate is None:
        exchange_rate = exchange_rate_on(currency=currency, on=invoice_date)
    exchange_rate = _decimal(exchange_rate, "exchange_rate")
    if exchange_rate <= 0:
        message = _("An exchange rate is more than zero.")
        raise ValidationError({"exchange_rate": ValidationError(message, code="min_value")})
    with transaction.atomic():
        invoice = Invoice(
            number=invoice_number(kind, invoice_date),
            kind=kind,
            partner=partner,
            currency=currency,
            exchange_rate=exchange_rate,
            invoice_date=invoice_date,
            due_date=due_date,
            supplier_reference=supplier_reference,
        )
        invoice.full_clean(exclude=["journal_entry"])
        invoice.save()
        made = []
        for index, fields in enumerate(lines):
            made.append(_invoice_line(invoice, index, fields))
        InvoiceLine.objects.bulk_create(made)
        return invoice


def _invoice_line(invoice: Invoice, index: int, fields: Mapping[str, Any]) -> InvoiceLine:
    """One line of a new draft, checked; errors name it by position (`lines.2.quantity`)."""
    prefix = f"lines.{index}."
    errors: dict[str, ValidationError] = {}
    item = fields.get("item")
    try:
        quantity = _decimal(fields.get("quantity"), "quantity")
        unit_price = _decimal(fields.get("unit_price"), "unit_price")
    except ValidationError as exc:
        raise ValidationError({prefix + name: error for name, error in exc.error_dict.items()}) from None
    for name, number in (("quantity", quantity), ("unit_price", unit_price)):
        if number != number.quantize(SIX_PLACES):
            message = _("At most 6 decimal places.")
            errors[prefix + name] = ValidationError(message, code="precision")
    if quantity <= 0:
        errors[prefix + "quantity"] = ValidationError(_("The quantity must be more than zero."), code="min_value")
    if unit_price < 0:
        message = _("A unit price is zero or more; a credit is a separate document.")
        errors[prefix + "unit_price"] = ValidationError(message, code="min_value")
    account = fields.get("account")
    if account is None:
        customer = invoice.kind == InvoiceKind.CUSTOMER
        role = AccountRole.SALES if customer else AccountRole.GOODS_RECEIVED_NOT_INVOICED
        if not customer and item is None:
            role = AccountRole.EXPENSE
        account = account_for(role, item=item)
    elif not account.active:
        message = _("Account %(account)s is inactive.") % {"account": account.code}
        errors[prefix + "account"] = ValidationError(message, code="inactive")
    elif account.kind not in LINE_ACCOUNT_KINDS[invoice.kind]:
        message = _("A %(kind)s does not book to %(account)s (%(account_kind)s).") % {
            "kind": invoice.get_kind_display().lower(),
            "account": account.code,
            "account_kind": account.get_kind_display().lower(),
        }
        errors[prefix + "account"] = ValidationError(message, code="wrong_account_kind")
    description = str(fields.get("description") or "")
    if item is None and not description:
        message = _("Say what a line without an item is for.")
        errors[prefix + "description"] = ValidationError(message, code="required")
    if errors:
        raise ValidationError(errors)
    return InvoiceLine(
        invoice=invoice,
        position=(index + 1) * 10,
        item=item,
        description=description[:255],
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=fields.get("tax_rate"),
        account=account,
    )


def _lock_draft(invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().select_related("partner").get(pk=invoice.pk)
    if invoice.state != InvoiceState.DRAFT:
        message = _("%(number)s is %(state)s; only a draft can be posted.") % {
            "number": invoice.number,
            "state": invoice.get_state_display().lower(),
        }
        raise ValidationError(message, code="not_draft")
    return invoice


def invoice_post(*, invoice: Invoice, user: Any = None) -> Invoice:
    """Total a draft invoice and book it: a customer invoice debits receivables and credits each line's
    account and output tax; a supplier invoice credits payables and debits its lines and input tax.

    Amounts are converted to the company currency at the invoice's rate, line by line, so the entry
    balances to the cent whatever the rate.
    """
    with transaction.atomic():
        invoice = _lock_draft(invoice)
        lines = list(invoice.lines.select_related("tax_rate", "account", "item"))
        if not lines:
            raise ValidationError({"lines": ValidationError(_("An invoice needs at least one line."), code="required")})
        customer = invoice.kind == InvoiceKind.CUSTOMER
        # Debit-positive from the company's side: a customer invoice credits revenue and tax.
        sign = Decimal(-1) if customer else Decimal(1)
        rate = invoice.exchange_rate
        postings: list[Posting] = []
        net_total = tax_total = Decimal(0)
        for line in lines:
            line.net_amount = to_cents(line.quantity * line.unit_price)
            line.tax_amount = to_cents(line.net_amount * line.tax_rate.rate_pct / 100) if line.tax_rate else Decimal(0)
            line.save(update_fields=["net_amount", "tax_amount", "updated_at"])
            net_total += line.net_amount
            tax_total += line.tax_amount
            description = line.description or (str(line.item) if line.item else "")
            postings.append(
                Posting(line.account, sign * to_cents(line.net_amount * rate), description, invoice.partner, line.item)
            )
            if line.tax_amount:
                tax_role = AccountRole.TAX_PAYABLE if customer else AccountRole.TAX_RECEIVABLE
                postings.append(
                    Posting(account_for(tax_role), sign * to_cents(line.tax_amount * rate), str(line.tax_rate))
                )
        if net_total + tax_total <= 0:
            message = _("An invoice totals more than zero.")
            raise ValidationError({"lines": ValidationError(message, code="not_positive")})
        balance_role = AccountRole.RECEIVABLES if customer else AccountRole.PAYABLES
        company_total = -sum((posting.amount for posting in postings), Decimal(0))
        postings.append(Posting(account_for(balance_role), company_total, invoice.number, invoice.partner))
        invoice.net_amount, invoice.tax_amount = net_total, tax_total
        invoice.total_amount = net_total + tax_total
        invoice.journal_entry = journal_entry_post(
            date=invoice.invoice_date,
            memo=_("%(kind)s %(number)s %(partner)s")
            % {"kind": invoice.get_kind_display(), "number": invoice.number, "partner": invoice.partner.name},
            source=JournalSource.CUSTOMER_INVOICE if customer else JournalSource.SUPPLIER_INVOICE,
            reference=invoice.number,
            postings=postings,
            user=user,
        )
        invoice.state = InvoiceState.POSTED
        invoice.save(update_fields=["net_amount", "tax_amount", "total_amount", "journal_entry", "state", "updated_at"])
        payload = {
            **_invoice_payload(invoice),
            "net_amount": str(invoice.net_amount),
            "tax_amount": str(invoice.tax_amount),
            "invoice_date": invoice.invoice_date.isoformat(),
            "due_date": invoice.due_date.isoformat(),
            "sales_order": invoice.sales_order.number if invoice.sales_order_id else None,
            "purchase_order": invoice.purchase_order.number if invoice.purchase_order_id else None,
        }
        event_publish(name=INVOICE_POSTED, payload=payload, aggregate=invoice, actor=user)
        return invoice


def _invoice_payload(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice": invoice.number,
        "kind": invoice.kind,
        "partner": invoice.partner.code,
        "currency": invoice.currency.code,
        "total_amount": str(invoice.total_amount),
    }


def _booked_open(invoice: Invoice, balance: Account) -> Decimal:
    """What the invoice's receivable (or payable) still holds in the company currency. Signed: earlier
    payments, converted one by one, may have taken a cent more than the invoice's lines booked."""
    entries = [invoice.journal_entry_id, *invoice.payments.values_list("journal_entry_id", flat=True)]
    sums = JournalLine.objects.filter(entry__in=entries, account=balance).aggregate(
        debit=Sum("debit", default=Decimal(0)), credit=Sum("credit", default=Decimal(0))
    )
    held = sums["debit"] - sums["credit"]
    return held if invoice.kind == InvoiceKind.CUSTOMER else -held


def payment_register(
    *, invoice: Invoice, amount: Decimal, date: datetime.date, reference: str = "", user: Any = None
) -> Payment:
    """Record money in (customer) or out (supplier) against a posted invoice, in the invoice's currency.

    The payment is booked at the invoice's rate: realized exchange differences are not computed.
    """
    amount = _decimal(amount, "amount")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("partner").get(pk=invoice.pk)
        if invoice.state != InvoiceState.POSTED:
            message = _("%(number)s is %(state)s: only a posted, unpaid invoice takes payments.") % {
                "number": invoice.number,
                "state": invoice.get_state_display().lower(),
            }
            raise ValidationError({"invoice": ValidationError(message, code="not_payable")})
        if amount <= 0 or to_cents(amount) != amount:
            message = _("A payment is a positive amount in cents.")
            raise ValidationError({"amount": ValidationError(message, code="invalid")})
        if date < invoice.invoice_date:
            message = _("%(number)s is dated %(date)s; a payment of it cannot be earlier.") % {
                "number": invoice.number,
                "date": invoice.invoice_date,
            }
            raise ValidationError({"date": ValidationError(message, code="before_invoice_date")})
        if amount > invoice.open_amount:
            message = _("%(amount)s is more than the %(open)s still open on %(number)s.") % {
                "amount": amount,
                "open": invoice.open_amount,
                "number": invoice.number,
            }
            raise ValidationError({"amount": ValidationError(message, code="overpayment")})
        customer = invoice.kind == InvoiceKind.CUSTOMER
        direction = PaymentDirection.RECEIVED if customer else PaymentDirection.PAID
        payment = Payment(
            number=next_document_number(doc_type="PAY", on=date),
            direction=direction,
            invoice=invoice,
            partner=invoice.partner,
            date=date,
            amount=amount,
            reference=reference,
        )
        balance = account_for(AccountRole.RECEIVABLES if customer else AccountRole.PAYABLES)
        company_amount = to_cents(amount * invoice.exchange_rate)
        if invoice.paid_amount + amount == invoice.total_amount:
            # The last payment clears what is left of the booked balance, whatever cents the
            # conversions of earlier payments rounded away.
            company_amount = _booked_open(invoice, balance)
        bank = account_for(AccountRole.BANK)
        sign = Decimal(1) if customer else Decimal(-1)
        payment.journal_entry = journal_entry_post(
            date=date,
            memo=_("Payment %(number)s for %(invoice)s") % {"number": payment.number, "invoice": invoice.number},
            source=JournalSource.PAYMENT,
            reference=invoice.number,
            postings=[
                Posting(bank, sign * company_amount, reference),
                Posting(balance, -sign * company_amount, invoice.number, invoice.partner),
            ],
            user=user,
        )
        payment.full_clean(exclude=["number", "journal_entry"])
        payment.save()
        invoice.paid_amount += amount
        if invoice.paid_amount == invoice.total_amount:
            invoice.state = InvoiceState.PAID
        invoice.save(update_fields=["paid_amount", "state", "updated_at"])
        payload = {
            **_invoice_payload(invoice),
            "payment": payment.number,
            "amount": str(amount),
            "date": date.isoformat(),
            "reference": reference,
            "paid_amount": str(invoice.paid_amount),
            "open_amount": str(invoice.total_amount - invoice.paid_amount),
            "paid": invoice.state == InvoiceState.PAID,
        }
        event_publish(name=PAYMENT_REGISTERED, payload=payload, aggregate=payment, actor=user)
        return payment


def _invoice_entries(invoice: Invoice) -> list[JournalEntry]:
    """The entries an invoice booked: its own, and any its order's flow added under its number (a supplier
    invoice's price variance), that are not reversed yet."""
    sources = (JournalSource.CUSTOMER_INVOICE, JournalSource.SUPPLIER_INVOICE)
    return list(
        JournalEntry.objects.filter(reference=invoice.number, source__in=sources, reversed_by__isnull=True).order_by(
            "pk"
        )
    )


def _release_order_lines(invoice: Invoice) -> None:
    """Give the cancelled invoice's quantities back to its order lines, so they can be invoiced again."""
    for line in invoice.lines.select_related("sales_order_line", "purchase_order_line"):
        if line.sales_order_line_id:
            order_line = type(line.sales_order_line).objects.select_for_update().get(pk=line.sales_order_line_id)
            order_line.invoiced_qty = max(order_line.invoiced_qty - line.quantity, Decimal(0))
            order_line.save(update_fields=["invoiced_qty", "updated_at"])
        if line.purchase_order_line_id:
            order_line = type(line.purchase_order_line).objects.select_for_update().get(pk=line.purchase_order_line_id)
            order_line.billed_qty = max(order_line.billed_qty - line.quantity, Decimal(0))
            order_line.save(update_fields=["billed_qty", "updated_at"])
    # An order invoiced (billed) in full is not any more: back to shipped (received).
    if invoice.sales_order_id and invoice.sales_order.state == SalesOrderState.INVOICED:
        invoice.sales_order.state = SalesOrderState.SHIPPED
        invoice.sales_order.save(update_fields=["state", "updated_at"])
    if invoice.purchase_order_id and invoice.purchase_order.state == PurchaseOrderState.BILLED:
        invoice.purchase_order.state = PurchaseOrderState.RECEIVED
        invoice.purchase_order.save(update_fields=["state", "updated_at"])


def invoice_cancel(*, invoice: Invoice, date: datetime.date | None = None, user: Any = None) -> Invoice:
    """Cancel an invoice: a draft simply; a posted one with no payment by reversing what it booked (dated
    `date`, default today, not before the invoice), its order lines free to be invoiced again. An invoice
    with payments, or of a closed order, is refused: the money came (or the order was settled) against it.
    """
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("sales_order", "purchase_order")
            .get(pk=invoice.pk)
        )
        what = {"number": invoice.number, "state": invoice.get_state_display().lower()}
        if invoice.state == InvoiceState.CANCELLED:
            raise ValidationError(_("%(number)s is cancelled already.") % what, code="cancelled")
        if invoice.state == InvoiceState.PAID or invoice.paid_amount > 0 or invoice.payments.exists():
            message = _("%(number)s has payments: it cannot be cancelled.") % what
            raise ValidationError(message, code="has_payments")
        orders = [order for order in (invoice.sales_order, invoice.purchase_order) if order is not None]
        if any(order.state in (SalesOrderState.CLOSED, PurchaseOrderState.CLOSED) for order in orders):
            message = _("%(number)s belongs to a closed order: it cannot be cancelled.") % what
            raise ValidationError(message, code="order_closed")
        if invoice.state == InvoiceState.POSTED:
            date = date or timezone.localdate()
            if date < invoice.invoice_date:
                message = _("%(number)s is dated %(date)s; its cancellation cannot be earlier.") % {
                    **what,
                    "date": invoice.invoice_date,
                }
                raise ValidationError({"date": ValidationError(message, code="before_invoice_date")})
            memo = _("Cancellation of %(number)s") % what
            for entry in _invoice_entries(invoice):
                journal_entry_reverse(entry=entry, date=date, user=user, memo=f"{memo}: {entry.memo}")
            _release_order_lines(invoice)
        invoice.state = InvoiceState.CANCELLED
        invoice.save(update_fields=["state", "updated_at"])
        return invoice
