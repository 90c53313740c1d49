"""One layout for every printed document (quote, order confirmation, delivery note, invoice, traveller).

A4, drawn with reportlab's platypus: the company's letterhead on the left and the document's title and
identity (number, dates) on the right; below it the party the document goes to, with the terms beside
it; then the document's body (a lines table with totals, notes, barcodes); on every page a footer
naming the document and "Page x of y". Money and quantities are Decimals formatted here, once.

Chinese is set in STSong-Light, one of the CID fonts every PDF viewer provides (so nothing is embedded): the
whole document when it is printed in Chinese, and any text the standard fonts cannot draw (a partner's name in
Chinese) in a document printed in English.
"""

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.formatting import format_quantity
from core.models import Company

MARGIN = 18 * mm
LATIN_FONT = "Helvetica"
CJK_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("DocBody", parent=STYLES["Normal"], fontSize=9, leading=11.5)
SMALL = ParagraphStyle("DocSmall", parent=BODY, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#555555"))
RIGHT = ParagraphStyle("DocRight", parent=BODY, alignment=TA_RIGHT)
SMALL_RIGHT = ParagraphStyle("DocSmallRight", parent=SMALL, alignment=TA_RIGHT)
BOLD = ParagraphStyle("DocBold", parent=BODY, fontName="Helvetica-Bold")
BOLD_RIGHT = ParagraphStyle("DocBoldRight", parent=BOLD, alignment=TA_RIGHT)
TITLE = ParagraphStyle("DocTitle", parent=STYLES["Heading1"], fontSize=16, leading=20, spaceAfter=2, alignment=TA_RIGHT)
COMPANY = ParagraphStyle("DocCompany", parent=STYLES["Heading2"], fontSize=13, leading=16, spaceAfter=2)
HEADING = ParagraphStyle("DocHeading", parent=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2)
GRID = colors.HexColor("#BBBBBB")
SHADE = colors.HexColor("#EEF1F5")
# The right-hand column of the header: labels, then values.
FACT_WIDTHS = (34 * mm, 48 * mm)

Facts = Sequence[tuple[str, str]]
Cell = str | Flowable


# --- Formatting ------------------------------------------------------------------------------------------------


CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    """An amount as documents print it, in cents (half up) with thousands separators: 2295 -> 2,295.00."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def price(amount: Decimal) -> str:
    """A unit price: in cents, or with the further places it has (0.0125 stays 0.0125, never 0.01)."""
    return money(amount) if amount == amount.quantize(CENT) else f"{amount.normalize():,f}"


def quantity(value: Decimal, unit: str) -> str:
    """A quantity with its unit: 105.000000, "pcs" -> "105 pcs"."""
    return f"{format_quantity(value)} {unit}".strip()


def day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _latin(value: str) -> bool:
    """Whether the standard fonts can draw `value`: it is within their encoding (WinAnsi); else they draw boxes."""
    try:
        value.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def needs_cjk_font(value: str) -> bool:
    """Whether `value` is set in the CJK font: all text of a document printed in Chinese (its Latin too, so the
    page looks of a piece), else text the standard fonts cannot draw."""
    return (get_language() or "").startswith("zh") or not _latin(value)


@functools.cache
def _cjk_style(style: ParagraphStyle, ideographs: bool) -> ParagraphStyle:
    # The CID font has no bold face. Ideographs have no spaces between words: their lines break between any two
    # characters, Latin ones (a code, an amount) between words only.
    name = f"{style.name}CJK{'Wrap' if ideographs else ''}"
    return ParagraphStyle(name, parent=style, fontName=CJK_FONT, wordWrap="CJK" if ideographs else None)


def text(value: object, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped; new lines kept), in the CJK font where it needs it."""
    value = str(value)
    if needs_cjk_font(value):
        style = _cjk_style(style, not _latin(value))
    return Paragraph(escape(value).replace("\n", "<br/>"), style)


def letterhead_company() -> Company | None:
    """The company whose letterhead the documents carry: the first one set up."""
    return Company.objects.order_by("pk").first()


# --- The parts of a document -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """Whom the document is for: a heading ("To", "Deliver to"), the name, address lines, small print."""

    heading: str
    name: str
    lines: Sequence[str] = ()
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class Column:
    """A column of a lines table: its title, its width (None: a share of what is left), numbers right-aligned."""

    title: str
    width: float | None = None
    numeric: bool = False


@dataclass(frozen=True)
class Layout:
    """What the header and footer of a document say."""

    title: str  # printed large: QUOTATION, INVOICE ...
    name: str  # the file's title and the footer: "Invoice INV-2026-00003"
    company: Company | None
    identity: Facts  # beside the title: number, dates, contact
    party: Party | None = None
    terms: Facts = ()  # beside the party: customer number, currency, delivery dates
    subject: str = ""
    barcode: str = ""  # printed under the identity, e.g. a traveller's order number
    footer: str = ""  # the footer's label when it is not `name`


def _facts(facts: Facts) -> Table:
    return Table(
        [[text(label, SMALL), text(value, RIGHT)] for label, value in facts],
        colWidths=FACT_WIDTHS,
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]),
    )


def _two_columns(left: list[Flowable], right: list[Flowable]) -> Table:
    table = Table([[left, right]], colWidths=[None, sum(FACT_WIDTHS) + 2 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return table


def _letterhead(layout: Layout) -> Table:
    """Our company on the left; the document's title and identity on the right."""
    company = layout.company
    ours: list[Flowable] = [text(company.name if company else "", COMPANY)]
    if company is not None:
        if company.address:
            ours.append(text(company.address))
        if company.vat_number:
            ours.append(text(_("VAT number: %(vat)s") % {"vat": company.vat_number}, SMALL))
    right: list[Flowable] = [text(layout.title, TITLE), _facts(layout.identity)]
    if layout.barcode:
        right.append(barcode(layout.barcode, bar_height=12 * mm))
    table = _two_columns(ours, right)
    table.setStyle(TableStyle([("ALIGN", (1, 0), (1, 0), "RIGHT")]))  # the barcode to the right edge
    return table


def _addressee(party: Party, terms: Facts) -> Table:
    to: list[Flowable] = [text(party.heading, SMALL), text(party.name, BOLD)]
    to += [text(line) for line in party.lines]
    to += [text(note, SMALL) for note in party.notes]
    return _two_columns(to, [_facts(terms)] if terms else [])


def lines_table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], totals: Facts = ()) -> Table:
    """The document's lines under a shaded header, then totals (label, amount) under the last two columns,
    the last one bold over a rule. The header repeats on every page the lines run over."""

    def cell(value: Cell, column: Column) -> Flowable:
        return text(value, RIGHT if column.numeric else BODY) if isinstance(value, str) else value

    data: list[list[Cell]] = [[text(column.title, SMALL_RIGHT if column.numeric else SMALL) for column in columns]]
    data += [[cell(value, column) for value, column in zip(row, columns, strict=True)] for row in rows]
    blank = [""] * (len(columns) - 2)
    data += [
        [*blank, text(label, style), text(amount, style)]
        for n, (label, amount) in enumerate(totals, start=1)
        for style in [BOLD_RIGHT if n == len(totals) else RIGHT]
    ]
    table = Table(data, colWidths=[column.width for column in columns], repeatRows=1)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, GRID),
    ]
    if rows:
        style.append(("LINEBELOW", (0, 1), (-1, len(rows)), 0.3, GRID))
    if totals:
        style.append(("LINEABOVE", (-2, -1), (-1, -1), 0.8, colors.black))
    table.setStyle(TableStyle(style))
    return table


def notes(title: str, points: Sequence[str] = (), remarks: str = "") -> list[Flowable]:
    """A titled block of bullet points (terms, instructions), then free text such as the document's notes."""
    flowables: list[Flowable] = [Spacer(1, 6 * mm), text(title, BOLD)]
    flowables += [text(f"• {point}", SMALL) for point in points]
    if remarks:
        flowables += [Spacer(1, 3 * mm), text(remarks)]
    return flowables


def heading(title: str) -> Paragraph:
    return text(title, HEADING)


def barcode(value: str, *, bar_height: float = 10 * mm, bar_width: float = 0.3 * mm) -> Drawing:
    """A Code128 barcode of `value` with the value printed under it (inside the drawing's height, so nothing below
    runs into it), as a scanner (a keyboard wedge) types it."""
    return createBarcodeDrawing(
        "Code128", value=value, barHeight=bar_height, barWidth=bar_width, humanReadable=True, quiet=False
    )


# --- Rendering -------------------------------------------------------------------------------------------------


def _numbered_canvas(label: str) -> Callable[..., Canvas]:
    """A canvas that holds its pages back until the end, to print "Page x of y" with y known on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict] = []

        def showPage(self):  # reportlab names it so
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._held_pages)
            for page in self._held_pages:
                self.__dict__.update(page)
                self._footer(count)
                super().showPage()
            super().save()

        def _footer(self, count: int) -> None:
            self.saveState()
            self.setFillColor(colors.HexColor("#555555"))
            self._set_font_for(label)
            self.drawString(MARGIN, 10 * mm, label)
            page = _("Page %(page)s of %(pages)s") % {"page": self.getPageNumber(), "pages": count}
            self._set_font_for(page)
            self.drawRightString(A4[0] - MARGIN, 10 * mm, page)
            self.restoreState()

        def _set_font_for(self, value: str) -> None:
            self.setFont(CJK_FONT if needs_cjk_font(value) else LATIN_FONT, 7.5)

    return NumberedCanvas


def render_pdf(layout: Layout, body: Sequence[Flowable]) -> bytes:
    """The document as a PDF file's bytes: the letterhead, the party, then `body`, over as many pages as it needs."""
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=layout.name,
        author=layout.company.name if layout.company else "",
        subject=layout.subject,
    )
    story: list[Flowable] = [_letterhead(layout), Spacer(1, 8 * mm)]
    if layout.party is not None:
        story += [_addressee(layout.party, layout.terms), Spacer(1, 8 * mm)]
    story += body
    pdf.build(story, canvasmaker=_numbered_canvas(layout.footer or layout.name))
    return buffer.getvalue()
