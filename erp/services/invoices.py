"""Customer and supplier invoices: totals, posting to receivables or payables, and payments."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.services.numbering import next_document_number
from erp.choices import AccountRole, InvoiceKind, InvoiceState, JournalSource, PaymentDirection
from erp.models import Account, Invoice, JournalLine, Payment
from erp.services.journal import Posting, account_for, journal_entry_post, to_cents

INVOICE_NUMBERS = {InvoiceKind.CUSTOMER: "INV", InvoiceKind.SUPPLIER: "BILL"}


def invoice_number(kind: str, on: datetime.date) -> str:
    return next_document_number(doc_type=INVOICE_NUMBERS[kind], on=on)


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
        return invoice


def _booked_open(invoice: Invoice, balance: Account) -> Decimal:
    """What the invoice's receivable (or payable) still holds in the company currency."""
    entries = [invoice.journal_entry_id, *invoice.payments.values_list("journal_entry_id", flat=True)]
    sums = JournalLine.objects.filter(entry__in=entries, account=balance).aggregate(
        debit=Sum("debit", default=Decimal(0)), credit=Sum("credit", default=Decimal(0))
    )
    return abs(sums["debit"] - sums["credit"])


def payment_register(
    *, invoice: Invoice, amount: Decimal, date: datetime.date, reference: str = "", user: Any = None
) -> Payment:
    """Record money in (customer) or out (supplier) against a posted invoice, in the invoice's currency.

    The payment is booked at the invoice's rate: realized exchange differences are not computed.
    """
    amount = Decimal(amount)
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
        return payment
