"""A quote as the PDF document the customer receives: our letterhead, their address, the quote's number,
version, date and validity, its lines with prices, discounts, tax and promised dates, the totals and the terms.

Drawn with reportlab's platypus from a `QuoteDocument` (crm.selectors.quotes), so the figures are the ones
the quote page and the API show.
"""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.formatting import format_quantity
from crm.selectors.quotes import QuoteDocument

MARGIN = 18 * mm
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("QuoteBody", parent=STYLES["Normal"], fontSize=9, leading=11.5)
SMALL = ParagraphStyle("QuoteSmall", parent=BODY, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#555555"))
RIGHT = ParagraphStyle("QuoteRight", parent=BODY, alignment=TA_RIGHT)
TITLE = ParagraphStyle("QuoteTitle", parent=STYLES["Heading1"], fontSize=18, leading=22, spaceAfter=0)
COMPANY = ParagraphStyle("QuoteCompany", parent=STYLES["Heading2"], fontSize=13, leading=16, spaceAfter=2)
BOLD = ParagraphStyle("QuoteBold", parent=BODY, fontName="Helvetica-Bold")
GRID = colors.HexColor("#BBBBBB")
SHADE = colors.HexColor("#EEF1F5")


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _text(value: object, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(str(value)).replace("\n", "<br/>"), style)


def _date(day) -> str:
    return day.isoformat() if day else "—"


def _letterhead(document: QuoteDocument) -> Table:
    """Our company on the left, the quote's identity on the right."""
    company = document.company
    ours = [_text(company.name if company else "", COMPANY)]
    if company is not None:
        if company.address:
            ours.append(_text(company.address))
        if company.vat_number:
            ours.append(_text(_("VAT number: %(vat)s") % {"vat": company.vat_number}, SMALL))
    quote = document.quote
    facts = [
        (_("Quote"), quote.number),
        (_("Version"), str(quote.version)),
        (_("Date"), _date(quote.quote_date)),
        (_("Valid until"), _date(quote.valid_until)),
    ]
    if quote.salesperson_id:
        facts.append((_("Your contact"), quote.salesperson.get_full_name() or quote.salesperson.get_username()))
    identity = Table(
        [[_text(label, SMALL), _text(value, RIGHT)] for label, value in facts],
        colWidths=[28 * mm, 42 * mm],
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]),
    )
    right = [_text(_("QUOTATION"), ParagraphStyle("QuoteTitleRight", parent=TITLE, alignment=TA_RIGHT)), identity]
    table = Table([[ours, right]], colWidths=[None, 72 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return table


def _addressee(document: QuoteDocument) -> Table:
    """The customer's address, and what the quote answers (requested and promised dates)."""
    quote, account = document.quote, document.quote.account
    to = [
        _text(_("To"), SMALL),
        _text(account.name, BOLD),
    ]
    to += [_text(line) for line in document.customer_address]
    if quote.contact_id:
        to.append(_text(_("Attn. %(name)s") % {"name": quote.contact.name}))
    if account.vat_number:
        to.append(_text(_("VAT number: %(vat)s") % {"vat": account.vat_number}, SMALL))
    terms = [
        (_("Customer"), account.code),
        (_("Currency"), quote.currency.code),
        (_("Requested delivery"), _date(quote.requested_date)),
        (_("Promised delivery"), _date(quote.promised_date) if quote.promised_date else _("on request")),
    ]
    about = Table(
        [[_text(label, SMALL), _text(value, RIGHT)] for label, value in terms],
        colWidths=[34 * mm, 36 * mm],
        style=TableStyle([("BOTTOMPADDING", (0, 0), (-1, -1), 1)]),
    )
    table = Table([[to, about]], colWidths=[None, 72 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return table


def _lines(document: QuoteDocument) -> Table:
    currency = document.quote.currency.code
    header = [
        _("Pos"),
        _("Item"),
        _("Quantity"),
        _("Unit price"),
        _("Disc. %"),
        _("Tax"),
        _("Promised"),
        _("Net %(currency)s") % {"currency": currency},
    ]
    rows = [[_text(label, SMALL) for label in header]]
    for row in document.lines:
        line = row.line
        rows.append(
            [
                _text(line.position),
                _text(f"{line.item.code}\n{line.item.name}"),
                _text(f"{format_quantity(line.quantity)} {line.item.uom.code}", RIGHT),
                _text(_money(line.unit_price), RIGHT),
                _text(format_quantity(line.discount_pct) if line.discount_pct else "", RIGHT),
                _text(line.tax_rate.code if line.tax_rate_id else ""),
                _text(_date(line.promised_date)),
                _text(_money(row.net), RIGHT),
            ]
        )
    totals = document.totals
    for label, amount in (
        (_("Net"), totals.net),
        (_("Tax"), totals.tax),
        (_("Total %(currency)s") % {"currency": currency}, totals.total),
    ):
        rows.append(["", "", "", "", "", "", _text(label, RIGHT), _text(_money(amount), RIGHT)])
    widths = [10 * mm, None, 22 * mm, 21 * mm, 14 * mm, 19 * mm, 21 * mm, 25 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    body_end = len(document.lines)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, GRID),
                ("LINEBELOW", (0, 1), (-1, body_end), 0.3, GRID),
                ("LINEABOVE", (6, -1), (-1, -1), 0.8, colors.black),
                ("FONTNAME", (6, -1), (-1, -1), "Helvetica-Bold"),
            ]
        )
    )
    return table


def _terms(document: QuoteDocument) -> list:
    quote = document.quote
    terms = [
        _("This quotation is valid until %(date)s.") % {"date": _date(quote.valid_until)},
        _("Prices are in %(currency)s per unit, before tax; tax is added at the rates shown.")
        % {"currency": quote.currency.code},
        _("Payment: %(days)s days from the invoice date.") % {"days": quote.account.payment_terms_days},
        _(
            "Delivery dates are promised as of the quotation date against our plan and capacity, and are "
            "confirmed with the order."
        ),
    ]
    flowables = [
        Spacer(1, 6 * mm),
        _text(_("Terms"), BOLD),
    ]
    flowables += [_text(f"• {term}", SMALL) for term in terms]
    if quote.notes:
        flowables += [Spacer(1, 3 * mm), _text(quote.notes)]
    return flowables


def _footer(canvas, doc, label: str) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(colors.HexColor("#555555"))
    canvas.drawString(MARGIN, 10 * mm, label)
    canvas.drawRightString(A4[0] - MARGIN, 10 * mm, _("Page %(page)s") % {"page": doc.page})
    canvas.restoreState()


def quote_pdf(document: QuoteDocument) -> bytes:
    """The quote as a PDF file's bytes, on A4, its lines running over as many pages as they need."""
    quote = document.quote
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Quotation %(quote)s") % {"quote": quote},
        author=document.company.name if document.company else "",
        subject=quote.account.name,
    )
    label = f"{quote} · {quote.account.name}"
    story = [_letterhead(document), Spacer(1, 8 * mm), _addressee(document), Spacer(1, 8 * mm), _lines(document)]
    story += _terms(document)
    pdf.build(
        story,
        onFirstPage=lambda canvas, doc: _footer(canvas, doc, label),
        onLaterPages=lambda canvas, doc: _footer(canvas, doc, label),
    )
    return buffer.getvalue()
