"""A quote as the PDF document the customer receives: our letterhead, their address, the quote's number,
version, date and validity, its lines with prices, discounts, tax and promised dates, the totals and the terms.

Drawn in the documents' one layout (core.documents.pdf) from a `QuoteDocument` (crm.selectors.quotes), so the
figures are the ones the quote page and the API show; its lines are drawn as the order confirmation's.
"""

from django.utils.translation import gettext as _

from core.documents.parties import partner_party
from core.documents.pdf import Layout, day, notes, render_pdf
from crm.selectors.quotes import QuoteDocument
from erp.documents import payment_term, sales_lines_table, salesperson_name


def quote_pdf(document: QuoteDocument) -> bytes:
    """The quote as a PDF file's bytes, on A4, its lines running over as many pages as they need."""
    quote = document.quote
    account, currency = quote.account, quote.currency.code
    identity = [
        (_("Quote"), quote.number),
        (_("Version"), str(quote.version)),
        (_("Date"), day(quote.quote_date)),
        (_("Valid until"), day(quote.valid_until)),
    ]
    if quote.salesperson_id:
        identity.append((_("Your contact"), salesperson_name(quote.salesperson)))
    layout = Layout(
        title=_("QUOTATION"),
        name=_("Quotation %(quote)s") % {"quote": quote},
        company=document.company,
        identity=identity,
        party=partner_party(account, heading=_("To"), attention=quote.contact.name if quote.contact_id else ""),
        terms=[
            (_("Customer"), account.code),
            (_("Currency"), currency),
            (_("Requested delivery"), day(quote.requested_date)),
            (_("Promised delivery"), day(quote.promised_date) if quote.promised_date else _("on request")),
        ],
        subject=account.name,
        footer=f"{quote} · {account.name}",
    )
    terms = [
        _("This quotation is valid until %(date)s.") % {"date": day(quote.valid_until)},
        _("Prices are in %(currency)s per unit, before tax; tax is added at the rates shown.") % {"currency": currency},
        payment_term(account.payment_terms_days),
        _(
            "Delivery dates are promised as of the quotation date against our plan and capacity, and are "
            "confirmed with the order."
        ),
    ]
    lines = [row.line for row in document.lines]
    return render_pdf(
        layout,
        [
            sales_lines_table(lines, currency, document.totals, quote.promised_date),
            *notes(_("Terms"), terms, quote.notes),
        ],
    )
